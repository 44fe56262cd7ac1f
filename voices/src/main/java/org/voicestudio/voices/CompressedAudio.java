package org.voicestudio.voices;

import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.BitstreamException;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.DecoderException;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;
import org.jflac.FLACDecoder;
import org.jflac.PCMProcessor;
import org.jflac.metadata.StreamInfo;
import org.jflac.util.ByteData;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** FLAC (jFLAC) and MP3 (JLayer) decoding to {@link DecodedRecording}. */
final class CompressedAudio {
    private CompressedAudio() {}

    static boolean isFlac(byte[] b) { return b.length >= 4 && b[0] == 'f' && b[1] == 'L' && b[2] == 'a' && b[3] == 'C'; }

    /** An ID3 tag or an MPEG audio frame sync. */
    static boolean isMp3(byte[] b) {
        return (b.length >= 3 && b[0] == 'I' && b[1] == 'D' && b[2] == '3') || (b.length >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xe0) == 0xe0);
    }

    static DecodedRecording flac(String what, byte[] bytes) throws IOException {
        FLACDecoder decoder = new FLACDecoder(new ByteArrayInputStream(bytes));
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        decoder.addPCMProcessor(new PCMProcessor() {
            @Override public void processStreamInfo(StreamInfo info) {}
            @Override public void processPCM(ByteData data) { pcm.write(data.getData(), 0, data.getLen()); }
        });
        StreamInfo info = decoder.readStreamInfo();
        if (info == null) throw new IOException(what + ": not a readable FLAC file (no stream info)");
        decoder.decodeFrames();
        if (decoder.getBadFrames() > 0) throw new IOException(what + ": " + decoder.getBadFrames() + " damaged FLAC frame(s)");
        int bits = info.getBitsPerSample();
        if (bits != 16 && bits != 24) throw new IOException(what + ": FLAC with " + bits + "-bit samples is not supported (16 or 24)");
        int ch = info.getChannels();
        int bytesPerSample = bits / 8;
        byte[] b = pcm.toByteArray();
        int frames = b.length / (bytesPerSample * ch);
        float[][] out = new float[ch][frames];
        double scale = bits == 16 ? 32768.0 : 8388608.0;
        int p = 0;
        for (int i = 0; i < frames; i++) {
            for (int c = 0; c < ch; c++) {
                int v = bits == 16 ? (short) ((b[p] & 0xff) | (b[p + 1] << 8)) : ((b[p] & 0xff) | ((b[p + 1] & 0xff) << 8) | (b[p + 2] << 16));
                out[c][i] = (float) (v / scale);
                p += bytesPerSample;
            }
        }
        return new DecodedRecording(info.getSampleRate(), out);
    }

    static DecodedRecording mp3(String what, byte[] bytes) throws IOException {
        Bitstream stream = new Bitstream(new ByteArrayInputStream(bytes));
        Decoder decoder = new Decoder();
        ShortList[] channels = null;
        int rate = 0;
        try {
            for (Header h; (h = stream.readFrame()) != null; stream.closeFrame()) {
                SampleBuffer buf = (SampleBuffer) decoder.decodeFrame(h, stream);
                int ch = decoder.getOutputChannels();
                if (channels == null) {
                    channels = new ShortList[ch];
                    for (int c = 0; c < ch; c++) channels[c] = new ShortList();
                    rate = decoder.getOutputFrequency();
                } else if (ch != channels.length || rate != decoder.getOutputFrequency()) {
                    throw new IOException(what + ": the MP3 stream changes its channel count or sample rate");
                }
                short[] s = buf.getBuffer();
                int n = buf.getBufferLength();
                for (int i = 0; i < n; i++) channels[i % ch].add(s[i]);
            }
        } catch (BitstreamException | DecoderException e) {
            throw new IOException(what + ": cannot decode the MP3 data: " + e.getMessage(), e);
        } finally {
            try { stream.close(); } catch (BitstreamException ignored) { /* memory stream */ }
        }
        if (channels == null) throw new IOException(what + ": no MP3 audio frames found");
        float[][] out = new float[channels.length][];
        for (int c = 0; c < out.length; c++) out[c] = channels[c].toFloats();
        return new DecodedRecording(rate, out);
    }

    private static final class ShortList {
        private short[] a = new short[1 << 14];
        private int n;
        void add(short v) { if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2); a[n++] = v; }
        float[] toFloats() { float[] f = new float[n]; for (int i = 0; i < n; i++) f[i] = a[i] / 32768f; return f; }
    }
}
