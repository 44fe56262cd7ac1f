package org.voicestudio.voices;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RecordingCheckTest {
    private static float[] tone(int sampleRate, double seconds, double amplitude) {
        float[] x = new float[(int) Math.round(sampleRate * seconds)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (amplitude * Math.sin(2 * Math.PI * 220 * i / sampleRate));
        return x;
    }

    private static String failure(float[] x, int sr) {
        return assertThrows(RecordingCheck.BadRecordingException.class, () -> RecordingCheck.DEFAULT.check("take.wav", x, sr)).getMessage();
    }

    @Test
    void aGoodRecordingPassesWithoutWarnings() throws Exception {
        assertEquals(List.of(), RecordingCheck.DEFAULT.check("take.wav", tone(24000, 5, 0.5), 24000));
    }

    @Test
    void lowSampleRateIsRejected() {
        String m = failure(tone(8000, 5, 0.5), 8000);
        assertTrue(m.contains("take.wav") && m.contains("8000 Hz") && m.contains("16 kHz"), m);
    }

    @Test
    void tooShortAndTooLongAreRejected() {
        String s = failure(tone(16000, 2.0, 0.5), 16000);
        assertTrue(s.contains("2.0 s") && s.contains("3-30 s"), s);
        String l = failure(tone(16000, 31, 0.5), 16000);
        assertTrue(l.contains("31.0 s") && l.contains("3-30 s"), l);
    }

    @Test
    void silenceIsRejected() {
        String m = failure(tone(16000, 5, 1e-4), 16000);
        assertTrue(m.contains("silent") && m.contains("dBFS"), m);
        assertTrue(failure(new float[16000 * 5], 16000).contains("silent"));
    }

    @Test
    void clippingIsAWarning() throws Exception {
        float[] x = tone(16000, 5, 2.0);
        for (int i = 0; i < x.length; i++) x[i] = Math.max(-1f, Math.min(1f, x[i]));
        List<String> w = RecordingCheck.DEFAULT.check("take.wav", x, 16000);
        assertEquals(1, w.size());
        assertTrue(w.getFirst().contains("clipped"), w.getFirst());
    }
}
