package org.voicestudio.voices;

import org.junit.jupiter.api.Test;

import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.*;

/** tone.flac / tone.mp3: 0.5 s at 22050 Hz, stereo, left round(0.5*32767*sin(440 Hz)), right 0.25 amplitude at 660 Hz (made with flac -8 and lame -b 64). */
class CompressedAudioTest {
    /** Java's and numpy's sin can round one int16 step apart. */
    private static final double ONE_LSB = 1.0 / 32768;
    /** MP3 at 64 kbit/s: the tone's RMS level stays within 10 %. */
    private static final double MP3_RMS_REL_TOL = 0.10;

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = CompressedAudioTest.class.getResourceAsStream(name)) { return in.readAllBytes(); }
    }

    private static double expected(int channel, int i) {
        double amp = channel == 0 ? 0.5 : 0.25, f = channel == 0 ? 440 : 660;
        return Math.round(amp * 32767 * Math.sin(2 * Math.PI * f * i / 22050)) / 32768.0;
    }

    @Test
    void flacDecodesLosslessly() throws Exception {
        byte[] b = resource("tone.flac");
        assertTrue(CompressedAudio.isFlac(b));
        DecodedRecording r = CompressedAudio.flac("tone.flac", b);
        assertEquals(22050, r.sampleRate());
        assertEquals(2, r.channelCount());
        assertEquals(11025, r.frames());
        for (int c = 0; c < 2; c++) for (int i = 0; i < r.frames(); i++) assertEquals(expected(c, i), r.channels()[c][i], ONE_LSB, "channel " + c + " sample " + i);
        float[] mono = r.mono();
        assertEquals((r.channels()[0][100] + r.channels()[1][100]) / 2, mono[100], 0);
    }

    @Test
    void mp3DecodesToTheTone() throws Exception {
        byte[] b = resource("tone.mp3");
        assertTrue(CompressedAudio.isMp3(b));
        DecodedRecording r = CompressedAudio.mp3("tone.mp3", b);
        assertEquals(22050, r.sampleRate());
        assertEquals(2, r.channelCount());
        // MP3 adds the encoder's delay and end padding (LAME: ~0.1 s here); JLayer does not trim them
        assertTrue(r.seconds() >= 0.5 && r.seconds() < 0.65, "duration " + r.seconds());
        for (int c = 0; c < 2; c++) {
            double sum = 0;
            int from = r.frames() / 4, to = 3 * r.frames() / 4;
            for (int i = from; i < to; i++) sum += r.channels()[c][i] * r.channels()[c][i];
            double rms = Math.sqrt(sum / (to - from)), want = (c == 0 ? 0.5 : 0.25) / Math.sqrt(2);
            assertEquals(want, rms, MP3_RMS_REL_TOL * want, "RMS of channel " + c);
        }
    }

    @Test
    void damagedFilesAreClearErrors() {
        byte[] junk = {(byte) 0xff, (byte) 0xfb, 1, 2, 3, 4, 5};
        Exception e = assertThrows(java.io.IOException.class, () -> CompressedAudio.mp3("junk.mp3", junk));
        assertTrue(e.getMessage().contains("junk.mp3"), e.getMessage());
    }
}
