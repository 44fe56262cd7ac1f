package org.voicestudio.app.ui.export;

import de.sciss.jump3r.lowlevel.LameEncoder;
import net.sourceforge.javaflacencoder.EncodingConfiguration;
import net.sourceforge.javaflacencoder.FLACEncoder;
import net.sourceforge.javaflacencoder.FLACOutputStream;
import net.sourceforge.javaflacencoder.StreamConfiguration;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The file formats a take can be exported to, all encoded in pure Java: WAV (16-bit PCM with a RIFF
 * INFO chunk), FLAC (java-flac-encoder, with a Vorbis comment block) and MP3 (jump3r, a Java port of
 * LAME, with an ID3v2.3 tag). Samples are mono floats in [-1, 1], clipped and rounded to 16 bits.
 */
public enum ExportFormat {
    WAV("wav", "WAV (16-bit PCM)"),
    FLAC("flac", "FLAC (lossless)"),
    MP3("mp3", "MP3 (192 kbit/s)");

    /** Title, artist (the voice) and a free comment (engines, seed) written into the file. */
    public record Metadata(String title, String artist, String comment) {
        public static final Metadata NONE = new Metadata("", "", "");
    }

    private static final String SOFTWARE = "Voice Studio";
    private static final int MP3_KBPS = 192;

    private final String extension;
    private final String description;

    ExportFormat(String extension, String description) {
        this.extension = extension;
        this.description = description;
    }

    public String extension() { return extension; }

    public String description() { return description; }

    public static ExportFormat forFileName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (ExportFormat f : values()) if (lower.endsWith("." + f.extension)) return f;
        throw new IllegalArgumentException("cannot tell the format of '" + name + "': use a name ending in .wav, .flac or .mp3");
    }

    public void write(float[] samples, int sampleRate, Metadata meta, OutputStream out) throws IOException {
        short[] pcm = toPcm16(samples);
        switch (this) {
            case WAV -> writeWav(pcm, sampleRate, meta, out);
            case FLAC -> writeFlac(pcm, sampleRate, meta, out);
            case MP3 -> writeMp3(pcm, sampleRate, meta, out);
        }
    }

    /** Mono floats in [-1, 1] as 16-bit samples: clipped, NaN as silence, rounded. */
    public static short[] toPcm16(float[] samples) {
        short[] pcm = new short[samples.length];
        for (int i = 0; i < samples.length; i++) {
            float v = Float.isNaN(samples[i]) ? 0f : Math.max(-1f, Math.min(1f, samples[i]));
            pcm[i] = (short) Math.round(v * 32767f);
        }
        return pcm;
    }

    // ---- WAV: RIFF "WAVE" with fmt, LIST/INFO and data chunks ----

    private static void writeWav(short[] pcm, int sampleRate, Metadata meta, OutputStream out) throws IOException {
        byte[] info = riffInfo(meta);
        int dataBytes = pcm.length * 2;
        ByteBuffer b = ByteBuffer.allocate(12 + 24 + info.length + 8 + dataBytes + (dataBytes & 1)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("RIFF")).putInt(b.capacity() - 8).put(ascii("WAVE"));
        b.put(ascii("fmt ")).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16);
        b.put(info);
        b.put(ascii("data")).putInt(dataBytes);
        for (short s : pcm) b.putShort(s);
        out.write(b.array());
    }

    private static byte[] riffInfo(Metadata meta) {
        ByteArrayOutputStream items = new ByteArrayOutputStream();
        infoItem(items, "INAM", meta.title());
        infoItem(items, "IART", meta.artist());
        infoItem(items, "ICMT", meta.comment());
        infoItem(items, "ISFT", SOFTWARE);
        ByteBuffer b = ByteBuffer.allocate(12 + items.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("LIST")).putInt(4 + items.size()).put(ascii("INFO")).put(items.toByteArray());
        return b.array();
    }

    private static void infoItem(ByteArrayOutputStream out, String id, String text) {
        if (text == null || text.isEmpty()) return;
        byte[] t = (text + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + t.length + (t.length & 1)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii(id)).putInt(t.length).put(t); // odd sizes get one pad byte, not counted
        out.writeBytes(b.array());
    }

    // ---- FLAC ----

    private static void writeFlac(short[] pcm, int sampleRate, Metadata meta, OutputStream out) throws IOException {
        MemoryFlacStream stream = new MemoryFlacStream();
        FLACEncoder enc = new FLACEncoder();
        StreamConfiguration sc = new StreamConfiguration(1, StreamConfiguration.DEFAULT_MIN_BLOCK_SIZE,
                StreamConfiguration.DEFAULT_MAX_BLOCK_SIZE, sampleRate, 16);
        if (!enc.setStreamConfiguration(sc)) throw new IOException("FLAC cannot store " + sampleRate + " Hz mono 16-bit audio");
        enc.setEncodingConfiguration(new EncodingConfiguration());
        enc.setThreadCount(1);
        enc.setOutputStream(stream);
        enc.openFLACStream();
        int[] ints = new int[pcm.length];
        for (int i = 0; i < pcm.length; i++) ints[i] = pcm[i];
        enc.addSamples(ints, ints.length);
        enc.encodeSamples(ints.length, true); // end = true also rewrites STREAMINFO (length, MD5)
        out.write(withVorbisComment(stream.bytes(), meta));
    }

    /** Appends a VORBIS_COMMENT metadata block (type 4) after the encoder's last metadata block. */
    static byte[] withVorbisComment(byte[] flac, Metadata meta) throws IOException {
        if (flac.length < 8 || !new String(flac, 0, 4, StandardCharsets.US_ASCII).equals("fLaC")) {
            throw new IOException("FLAC encoder produced no stream header");
        }
        int pos = 4, lastHeader = -1;
        while (true) {
            int header = pos;
            boolean last = (flac[pos] & 0x80) != 0;
            int len = ((flac[pos + 1] & 0xff) << 16) | ((flac[pos + 2] & 0xff) << 8) | (flac[pos + 3] & 0xff);
            pos += 4 + len;
            if (last) { lastHeader = header; break; }
            if (pos + 4 > flac.length) throw new IOException("FLAC metadata blocks run past the end of the stream");
        }
        ByteArrayOutputStream vc = new ByteArrayOutputStream();
        byte[] vendor = SOFTWARE.getBytes(StandardCharsets.UTF_8);
        String[] comments = Arrays.stream(new String[] {
                tag("TITLE", meta.title()), tag("ARTIST", meta.artist()), tag("COMMENT", meta.comment()), "ENCODER=" + SOFTWARE})
                .filter(s -> s != null).toArray(String[]::new);
        writeLe32(vc, vendor.length);
        vc.writeBytes(vendor);
        writeLe32(vc, comments.length);
        for (String c : comments) {
            byte[] cb = c.getBytes(StandardCharsets.UTF_8);
            writeLe32(vc, cb.length);
            vc.writeBytes(cb);
        }
        byte[] body = vc.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(flac.length + body.length + 4);
        byte[] head = Arrays.copyOf(flac, pos);
        head[lastHeader] &= 0x7f; // the old last block is no longer last
        out.writeBytes(head);
        out.write(0x80 | 4);
        out.write(body.length >>> 16);
        out.write(body.length >>> 8);
        out.write(body.length);
        out.writeBytes(body);
        out.write(flac, pos, flac.length - pos);
        return out.toByteArray();
    }

    private static String tag(String key, String value) {
        return value == null || value.isEmpty() ? null : key + "=" + value;
    }

    private static void writeLe32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    /** The encoder seeks back to finish STREAMINFO, so it writes to memory first. */
    private static final class MemoryFlacStream implements FLACOutputStream {
        private byte[] buf = new byte[1 << 16];
        private int size, pos;

        @Override
        public long seek(long p) { pos = (int) p; return pos; }

        @Override
        public int write(byte[] data, int off, int len) {
            ensure(pos + len);
            System.arraycopy(data, off, buf, pos, len);
            pos += len;
            size = Math.max(size, pos);
            return len;
        }

        @Override
        public void write(byte data) {
            ensure(pos + 1);
            buf[pos++] = data;
            size = Math.max(size, pos);
        }

        private void ensure(int n) { if (n > buf.length) buf = Arrays.copyOf(buf, Math.max(n, buf.length * 2)); }

        @Override
        public long size() { return size; }

        @Override
        public boolean canSeek() { return true; }

        @Override
        public long getPos() { return pos; }

        byte[] bytes() { return Arrays.copyOf(buf, size); }
    }

    // ---- MP3 ----

    private static void writeMp3(short[] pcm, int sampleRate, Metadata meta, OutputStream out) throws IOException {
        javax.sound.sampled.AudioFormat source = new javax.sound.sampled.AudioFormat(sampleRate, 16, 1, true, false);
        LameEncoder enc = new LameEncoder(source, MP3_KBPS, LameEncoder.CHANNEL_MODE_MONO, LameEncoder.QUALITY_HIGH, false);
        try {
            out.write(id3v23(meta));
            byte[] in = new byte[pcm.length * 2];
            ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().put(pcm);
            int step = enc.getPCMBufferSize();
            byte[] mp3 = new byte[enc.getMP3BufferSize()];
            for (int off = 0; off < in.length; off += step) {
                int n = enc.encodeBuffer(in, off, Math.min(step, in.length - off), mp3);
                if (n < 0) throw new IOException("MP3 encoder failed with code " + n);
                out.write(mp3, 0, n);
            }
            int n = enc.encodeFinish(mp3);
            if (n > 0) out.write(mp3, 0, n);
        } finally {
            enc.close();
        }
    }

    /** An ID3v2.3 tag with title, artist, comment and encoder frames (UTF-16 text, as v2.3 allows). */
    static byte[] id3v23(Metadata meta) {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        id3Text(frames, "TIT2", meta.title());
        id3Text(frames, "TPE1", meta.artist());
        id3Text(frames, "TSSE", SOFTWARE);
        if (meta.comment() != null && !meta.comment().isEmpty()) {
            byte[] text = utf16(meta.comment());
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(1); // UTF-16 with BOM
            body.writeBytes(ascii("eng"));
            body.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0}); // empty description
            body.writeBytes(text);
            id3Frame(frames, "COMM", body.toByteArray());
        }
        int size = frames.size();
        ByteArrayOutputStream tag = new ByteArrayOutputStream();
        tag.writeBytes(ascii("ID3"));
        tag.writeBytes(new byte[] {3, 0, 0});
        // sizes in the tag header are "syncsafe": 7 bits per byte
        tag.writeBytes(new byte[] {(byte) ((size >> 21) & 0x7f), (byte) ((size >> 14) & 0x7f), (byte) ((size >> 7) & 0x7f), (byte) (size & 0x7f)});
        tag.writeBytes(frames.toByteArray());
        return tag.toByteArray();
    }

    private static void id3Text(ByteArrayOutputStream frames, String id, String text) {
        if (text == null || text.isEmpty()) return;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(1);
        body.writeBytes(utf16(text));
        id3Frame(frames, id, body.toByteArray());
    }

    private static void id3Frame(ByteArrayOutputStream frames, String id, byte[] body) {
        frames.writeBytes(ascii(id));
        frames.writeBytes(ByteBuffer.allocate(4).putInt(body.length).array()); // v2.3 frame sizes are plain big-endian
        frames.writeBytes(new byte[] {0, 0});
        frames.writeBytes(body);
    }

    private static byte[] utf16(String s) {
        byte[] le = s.getBytes(StandardCharsets.UTF_16LE);
        byte[] r = new byte[2 + le.length];
        r[0] = (byte) 0xff;
        r[1] = (byte) 0xfe;
        System.arraycopy(le, 0, r, 2, le.length);
        return r;
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }
}
