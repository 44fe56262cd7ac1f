package org.voicestudio.app.ui.export;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportFormatTest {
    private static final int SR = 24000;
    private static final ExportFormat.Metadata META = new ExportFormat.Metadata("Hello", "Default speaker", "engines djl / djl / djl, seed 1");

    static float[] sine(double hz, int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / SR));
        return s;
    }

    static byte[] encode(ExportFormat f, float[] s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.write(s, SR, META, out);
        return out.toByteArray();
    }

    @Test
    void wavReadsBackAsTheSame16BitSamplesWithItsInfoChunk() throws Exception {
        float[] s = sine(440, 4801);
        s[7] = 1.5f; // clipped
        byte[] wav = encode(ExportFormat.WAV, s);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            assertEquals(SR, in.getFormat().getSampleRate());
            assertEquals(1, in.getFormat().getChannels());
            assertEquals(16, in.getFormat().getSampleSizeInBits());
            byte[] pcm = in.readAllBytes();
            assertEquals(2 * s.length, pcm.length);
            ByteBuffer b = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < s.length; i++) assertEquals(Math.round(Math.max(-1, Math.min(1, s[i])) * 32767f), b.getShort(), "sample " + i);
        }
        String text = new String(wav, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("INFOINAM") && text.contains("Default speaker") && text.contains("seed 1"));
    }

    @Test
    void flacHasStreamInfoForTheWholeTakeAndAVorbisComment() throws Exception {
        float[] s = sine(220, 30000);
        byte[] flac = encode(ExportFormat.FLAC, s);
        assertEquals("fLaC", new String(flac, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(0, flac[4] & 0x7f); // STREAMINFO first, and not last: the comment follows
        assertEquals(0, flac[4] & 0x80);
        ByteBuffer si = ByteBuffer.wrap(flac, 8, 34);
        si.position(8 + 10);
        long packed = si.getLong(); // 20 bits rate, 3 channels-1, 5 bits-1, 36 total samples
        assertEquals(SR, (int) (packed >>> 44));
        assertEquals(0, (int) (packed >>> 41) & 0x7);
        assertEquals(15, (int) (packed >>> 36) & 0x1f);
        assertEquals(s.length, packed & 0xfffffffffL);
        // walk the metadata blocks: the last one is ours, type 4 = VORBIS_COMMENT
        int pos = 4, lastType = -1;
        while (true) {
            boolean last = (flac[pos] & 0x80) != 0;
            lastType = flac[pos] & 0x7f;
            pos += 4 + (((flac[pos + 1] & 0xff) << 16) | ((flac[pos + 2] & 0xff) << 8) | (flac[pos + 3] & 0xff));
            if (last) break;
        }
        assertEquals(4, lastType);
        assertEquals(0xfff8, ((flac[pos] & 0xff) << 8 | (flac[pos + 1] & 0xf8)) & 0xfff8, "audio frames follow (frame sync code)");
        assertTrue(new String(flac, StandardCharsets.UTF_8).contains("ARTIST=Default speaker"));
        assertTrue(flac.length < 2 * s.length, "lossless compression made it smaller than PCM");
    }

    @Test
    void mp3DecodesBackToTheSameTone(@TempDir Path dir) throws Exception {
        float[] s = sine(440, SR); // one second
        byte[] mp3 = encode(ExportFormat.MP3, s);
        assertEquals("ID3", new String(mp3, 0, 3, StandardCharsets.US_ASCII));
        Path file = dir.resolve("t.mp3");
        Files.write(file, mp3);
        Path wav = dir.resolve("t.wav");
        assertEquals(0, new de.sciss.jump3r.Main().run(new String[] {"--silent", "--decode", file.toString(), wav.toString()}));
        short[] out;
        float rate;
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            rate = in.getFormat().getSampleRate();
            int ch = in.getFormat().getChannels();
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(in.getFormat().isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            out = new short[b.remaining() / 2 / ch];
            for (int i = 0; i < out.length; i++) { out[i] = b.getShort(); for (int c = 1; c < ch; c++) b.getShort(); }
        }
        assertEquals(SR, rate);
        // encoder delay shifts the tone; compare its energy and zero-crossing rate instead
        double rms = 0;
        int crossings = 0;
        int from = out.length / 4, to = 3 * out.length / 4;
        for (int i = from; i < to; i++) {
            rms += out[i] / 32767.0 * (out[i] / 32767.0);
            if (i > from && (out[i - 1] < 0) != (out[i] < 0)) crossings++;
        }
        rms = Math.sqrt(rms / (to - from));
        assertEquals(0.5 / Math.sqrt(2), rms, 0.03, "RMS of a 0.5 sine survives 192 kbit/s MP3");
        double hz = crossings / 2.0 / ((to - from) / (double) rate);
        assertEquals(440, hz, 5);
    }

    @Test
    void formatComesFromTheFileNameOrTheErrorSaysWhich() {
        assertEquals(ExportFormat.FLAC, ExportFormat.forFileName("Take 3.FLAC"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExportFormat.forFileName("take.ogg"));
        assertTrue(e.getMessage().contains("take.ogg"));
    }
}
