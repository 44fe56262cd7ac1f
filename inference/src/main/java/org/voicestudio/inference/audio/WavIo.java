package org.voicestudio.inference.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * RIFF/WAVE files: reads 8/16/24/32-bit PCM and 32/64-bit float (WAVE_FORMAT_EXTENSIBLE too),
 * mixing channels to mono by their mean like {@code load_wav} (reference §2.3); PCM is scaled to
 * [-1, 1) by 2^(bits-1) as torchaudio's normalised load does. Writes mono 16-bit PCM the way the
 * official server converts ({@code (x * 2^15).astype(int16)}, here clamped instead of wrapping)
 * or 32-bit float.
 */
public final class WavIo {
    private static final int PCM = 1, IEEE_FLOAT = 3, EXTENSIBLE = 0xFFFE;
    private static final int MIN_PROMPT_SAMPLE_RATE = 16000;

    private WavIo() {}

    /** Mono samples and their rate. */
    public record Audio(int sampleRate, float[] samples) {
        public double seconds() { return (double) samples.length / sampleRate; }
    }

    /**
     * {@code load_wav(path, target_sr)} of the frontend: mono in [-1, 1], resampled with
     * {@link Resampler} when the file's rate differs; like the official code, files below 16 kHz are refused.
     */
    public static float[] load(Path file, int targetSampleRate) throws IOException {
        Audio audio = read(file);
        if (audio.sampleRate() < MIN_PROMPT_SAMPLE_RATE) {
            throw new IOException(file + ": sample rate " + audio.sampleRate() + " Hz is below the " + MIN_PROMPT_SAMPLE_RATE + " Hz a prompt needs");
        }
        return new Resampler(audio.sampleRate(), targetSampleRate).resample(audio.samples());
    }

    public static Audio read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 12 || b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) {
            throw new IOException(file + ": not a RIFF/WAVE file");
        }
        int format = -1, channels = 0, rate = 0, bits = 0;
        int pos = 12;
        while (pos + 8 <= b.limit()) {
            int id = b.getInt(pos);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            if (id == 0x20746d66) {                                     // "fmt "
                if (size < 16) throw new IOException(file + ": fmt chunk too short (" + size + " bytes)");
                format = b.getShort(body) & 0xffff;
                channels = b.getShort(body + 2) & 0xffff;
                rate = b.getInt(body + 4);
                bits = b.getShort(body + 14) & 0xffff;
                if (format == EXTENSIBLE && size >= 26) format = b.getShort(body + 24) & 0xffff;   // sub-format GUID's first two bytes
            } else if (id == 0x61746164) {                              // "data"
                if (format < 0) throw new IOException(file + ": data chunk before fmt chunk");
                long available = Math.min(size, b.limit() - body);
                return new Audio(rate, decode(file, b, body, available, format, channels, bits));
            }
            pos = body + (int) size + (int) (size & 1);
        }
        throw new IOException(file + ": no data chunk");
    }

    private static float[] decode(Path file, ByteBuffer b, int start, long bytes, int format, int channels, int bits) throws IOException {
        if (channels < 1) throw new IOException(file + ": " + channels + " channels");
        int width = bits / 8;
        boolean pcm = format == PCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32);
        boolean flt = format == IEEE_FLOAT && (bits == 32 || bits == 64);
        if (!pcm && !flt) throw new IOException(file + ": unsupported WAV encoding (format " + format + ", " + bits + " bits); expected PCM 8/16/24/32 or float 32/64");
        int frames = (int) (bytes / ((long) width * channels));
        float[] out = new float[frames];
        for (int f = 0; f < frames; f++) {
            double sum = sample(b, start + f * channels * width, flt, bits);     // mono stays bit-exact (-0.0 too)
            for (int c = 1; c < channels; c++) sum += sample(b, start + (f * channels + c) * width, flt, bits);
            out[f] = (float) (channels == 1 ? sum : sum / channels);
        }
        return out;
    }

    private static double sample(ByteBuffer b, int at, boolean flt, int bits) {
        return flt ? (bits == 32 ? b.getFloat(at) : b.getDouble(at)) : pcm(b, at, bits);
    }

    private static double pcm(ByteBuffer b, int at, int bits) {
        return switch (bits) {
            case 8 -> ((b.get(at) & 0xff) - 128) / 128.0;               // 8-bit WAV is unsigned
            case 16 -> b.getShort(at) / 32768.0;
            case 24 -> (((b.get(at + 2) << 16) | ((b.get(at + 1) & 0xff) << 8) | (b.get(at) & 0xff))) / 8388608.0;
            default -> b.getInt(at) / 2147483648.0;
        };
    }

    /** Mono 16-bit PCM: trunc(x * 32768), clamped to the int16 range. */
    public static void writePcm16(Path file, int sampleRate, float[] samples) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : samples) data.putShort((short) Math.clamp((long) (x * 32768f), -32768, 32767));
        write(file, PCM, sampleRate, 16, data.array());
    }

    /** Mono 32-bit float. */
    public static void writeFloat(Path file, int sampleRate, float[] samples) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : samples) data.putFloat(x);
        write(file, IEEE_FLOAT, sampleRate, 32, data.array());
    }

    private static void write(Path file, int format, int rate, int bits, byte[] data) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x46464952).putInt(36 + data.length).putInt(0x45564157);
        h.putInt(0x20746d66).putInt(16).putShort((short) format).putShort((short) 1).putInt(rate)
                .putInt(rate * bits / 8).putShort((short) (bits / 8)).putShort((short) bits);
        h.putInt(0x61746164).putInt(data.length);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(h.array());
            out.write(data);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
