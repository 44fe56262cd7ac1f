package org.voicestudio.app.ui.audio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnalysisTest {
    private static final int SR = 24000;
    /** YIN on a clean sine is accurate to a fraction of a percent. */
    private static final double PITCH_TOL_HZ = 1.0;

    static float[] tone(double hz, double seconds, int sr) {
        float[] s = new float[(int) (seconds * sr)];
        for (int i = 0; i < s.length; i++) s[i] = (float) (0.4 * Math.sin(2 * Math.PI * hz * i / sr));
        return s;
    }

    @Test
    void yinFindsThePitchOfAToneAndNoneInSilence() {
        float[] s = new float[SR];
        System.arraycopy(tone(180, 0.5, SR), 0, s, 0, SR / 2); // 0.5 s of 180 Hz, then silence
        PitchContour p = PitchContour.of(s, s.length, SR, AnalysisViewModel.YIN_WINDOW, AnalysisViewModel.YIN_HOP);
        assertEquals(1 + (SR - 1024) / 240, p.hz().length);
        int voiced = 0;
        for (int f = 0; f < p.hz().length; f++) {
            double t = p.frameSeconds(f);
            if (t < 0.45) { assertEquals(180, p.hz()[f], PITCH_TOL_HZ, "frame " + f); voiced++; }
            if (t > 0.55) assertTrue(Float.isNaN(p.hz()[f]), "silence at frame " + f + " has pitch " + p.hz()[f]);
        }
        assertTrue(voiced > 30);
    }

    @Test
    void spectrogramPeaksAtTheToneBinAndIsNormalisedToZeroDb() {
        float[] s = tone(1500, 0.25, SR); // 1500 Hz = bin 64 of 1024 at 24 kHz
        Spectrogram sp = Spectrogram.of(s, s.length, SR, 1024, 256);
        assertEquals(1 + (s.length - 1024) / 256, sp.frames());
        assertEquals(513, sp.bins());
        int f = sp.frames() / 2, best = 0;
        for (int k = 1; k < sp.bins(); k++) if (sp.db()[f * sp.bins() + k] > sp.db()[f * sp.bins() + best]) best = k;
        assertEquals(64, best);
        assertEquals(1500, sp.binHz(best), 1e-9);
        float max = -Float.MAX_VALUE, min = Float.MAX_VALUE;
        for (int fr = 0; fr < sp.frames(); fr++) for (int k = 0; k < sp.bins(); k++) {
            max = Math.max(max, sp.relativeDb(fr, k));
            min = Math.min(min, sp.relativeDb(fr, k));
        }
        assertEquals(0f, max, 1e-3);
        assertTrue(min >= Spectrogram.FLOOR_DB);
    }

    @Test
    void extendingWithNewAudioGivesTheSameFramesAsAnalysingItAllAtOnce() {
        float[] s = tone(230, 1.0, SR);
        for (int i = 0; i < s.length; i++) s[i] *= (float) (0.5 + 0.5 * Math.sin(i / 900.0)); // varying level
        Spectrogram whole = Spectrogram.of(s, s.length, SR, 1024, 256);
        Spectrogram grown = Spectrogram.of(s, 700, SR, 1024, 256).extend(s, 9000).extend(s, s.length);
        assertEquals(whole.frames(), grown.frames());
        assertEquals(whole.maxDb(), grown.maxDb());
        org.junit.jupiter.api.Assertions.assertArrayEquals(whole.db(), grown.db());
        PitchContour p = PitchContour.of(s, s.length, SR, 1024, 240);
        PitchContour q = PitchContour.of(s, 5000, SR, 1024, 240).extend(s, s.length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(p.hz(), q.hz());
    }
}
