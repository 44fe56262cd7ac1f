package org.voicestudio.app.ui.metrics;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveMetricsTest {
    /** Sums of a few doubles: exact up to rounding. */
    private static final double TOL = 1e-9;
    private static final long S = 1_000_000_000L;

    @Test
    void stageRtfIsBusyTimeOverAudioSecondsOfThatStage() {
        long t0 = 100 * S;
        LiveMetrics m = new LiveMetrics(t0);
        // LLM: 28 tokens in 0.4 s (1.12 s of speech at 25 Hz), then 50 tokens in 0.6 s (2 s)
        m.stageEvent(new StageEvent(Stage.LLM, 0, t0, t0 + 4 * S / 10, 28, 1.12));
        m.stageEvent(new StageEvent(Stage.LLM, 1, t0 + 4 * S / 10, t0 + S, 50, 2.0));
        m.stageEvent(new StageEvent(Stage.FLOW, 0, t0 + 4 * S / 10, t0 + 6 * S / 10, 56, 1.12));
        m.stageEvent(new StageEvent(Stage.VOCODER, 0, t0 + 6 * S / 10, t0 + 7 * S / 10, 26880, 1.12));
        m.audio(1.12, t0 + 7 * S / 10);

        LiveMetrics.Snapshot s = m.snapshot();
        assertEquals(1.0 / 3.12, s.rtf(Stage.LLM), TOL);
        assertEquals(0.2 / 1.12, s.rtf(Stage.FLOW), TOL);
        assertEquals(0.1 / 1.12, s.rtf(Stage.VOCODER), TOL);
        assertEquals(78 / 1.0, s.tokensPerSecond(), TOL);
        assertEquals(0.7, s.firstAudioSeconds(), TOL);
        // wall clock runs to the latest event (the LLM's, at 1.0 s) over the audio delivered so far
        assertEquals(1.0 / 1.12, s.endToEndRtf(), TOL);
        assertEquals(4, m.events().size());
    }

    @Test
    void unknownValuesAreNaNBeforeTheyExist() {
        LiveMetrics.Snapshot s = new LiveMetrics(0).snapshot();
        assertTrue(Double.isNaN(s.rtf(Stage.FLOW)));
        assertTrue(Double.isNaN(s.endToEndRtf()));
        assertTrue(Double.isNaN(s.firstAudioSeconds()));
        assertTrue(Double.isNaN(s.tokensPerSecond()));
    }
}
