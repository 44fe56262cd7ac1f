package org.voicestudio.inference.metrics;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.pipeline.AudioChunk;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class MetricsCollectorTest {
    private static final double EPS = 1e-12;   // sums of a few decimal seconds in double
    private static final long T0 = 5_000_000_000L;

    private static long at(double seconds) { return T0 + Math.round(seconds * 1e9); }

    /**
     * The golden streaming run's shape (P = 12, N = 50: chunks of 76 and 24 mel frames, 32640 and
     * 15360 samples) on a hand-made clock, in seconds after the request:
     * LLM 0.0-0.5 (41 tokens) and 0.5-0.6 (9); flow 0.5-0.8 and 0.9-1.1; vocoder 0.8-0.9 and
     * 1.1-1.3; audio at 0.9 and 1.3; finished at 1.3.
     */
    private static MetricsCollector goldenShapedRun(AtomicLong clock) {
        MetricsCollector m = new MetricsCollector(T0, clock::get);
        m.onStageEvent(new StageEvent(Stage.LLM, 0, at(0.0), at(0.5), 41, 41 / 25.0));
        m.onStageEvent(new StageEvent(Stage.FLOW, 0, at(0.5), at(0.8), 76, 76 / 50.0));
        m.onStageEvent(new StageEvent(Stage.LLM, 1, at(0.5), at(0.6), 9, 9 / 25.0));
        m.onStageEvent(new StageEvent(Stage.VOCODER, 0, at(0.8), at(0.9), 32640, 32640 / 24000.0));
        clock.set(at(0.9));
        m.onAudio(new AudioChunk(0, new float[32640], 24000, false));
        m.onStageEvent(new StageEvent(Stage.FLOW, 1, at(0.9), at(1.1), 24, 24 / 50.0));
        m.onStageEvent(new StageEvent(Stage.VOCODER, 1, at(1.1), at(1.3), 15360, 15360 / 24000.0));
        clock.set(at(1.3));
        m.onAudio(new AudioChunk(1, new float[15360], 24000, true));
        m.onFinished();
        return m;
    }

    @Test
    void stageRtfIsBusyTimeOverAudioSeconds() {
        SynthesisMetrics s = goldenShapedRun(new AtomicLong()).snapshot();
        // every stage covered 2.0 s of audio: 50 tokens / 25, 100 frames / 50, 48000 samples / 24000
        assertEquals(0.6 / 2.0, s.stageRtf(Stage.LLM), EPS);
        assertEquals(0.5 / 2.0, s.stageRtf(Stage.FLOW), EPS);
        assertEquals(0.3 / 2.0, s.stageRtf(Stage.VOCODER), EPS);
        assertEquals(2, s.stages().get(Stage.FLOW).chunks());
        assertEquals(100, s.stages().get(Stage.FLOW).items());
    }

    @Test
    void endToEndRtfLatencyAndTokenRate() {
        SynthesisMetrics s = goldenShapedRun(new AtomicLong()).snapshot();
        assertTrue(s.done());
        assertEquals(1.3, s.wallSeconds(), EPS);
        assertEquals(2.0, s.audioSeconds(), EPS);
        assertEquals(0.65, s.endToEndRtf(), EPS);
        assertEquals(0.9, s.firstAudioSeconds(), EPS);
        assertEquals(50 / 0.6, s.llmTokensPerSecond(), 1e-9);
        assertEquals(12.0, s.stages().get(Stage.LLM).millisPerItem(), 1e-9);
    }

    @Test
    void timelineHasOneBarPerStageAndChunkRelativeToTheRequest() {
        SynthesisMetrics s = goldenShapedRun(new AtomicLong()).snapshot();
        assertEquals(6, s.timeline().size());
        TimelineSpan flow1 = s.timeline().stream().filter(t -> t.stage() == Stage.FLOW && t.chunk() == 1).findFirst().orElseThrow();
        assertEquals(0.9, flow1.startSeconds(), EPS);
        assertEquals(1.1, flow1.endSeconds(), EPS);
        assertEquals(24, flow1.items());
    }

    @Test
    void liveSnapshotUsesTheTimeSoFar() {
        AtomicLong clock = new AtomicLong(at(0.4));
        MetricsCollector m = new MetricsCollector(T0, clock::get);
        m.onStageEvent(new StageEvent(Stage.LLM, 0, at(0.0), at(0.4), 20, 20 / 25.0));
        SynthesisMetrics s = m.snapshot();
        assertFalse(s.done());
        assertEquals(0.4, s.wallSeconds(), EPS);
        assertTrue(Double.isNaN(s.firstAudioSeconds()));
        assertTrue(Double.isNaN(s.endToEndRtf()));
        assertTrue(Double.isNaN(s.stageRtf(Stage.FLOW)));
        assertEquals(0.5, s.stageRtf(Stage.LLM), EPS);   // 0.4 s busy for 0.8 s of tokens
        // the snapshot is immutable: later events do not change it
        m.onStageEvent(new StageEvent(Stage.LLM, 1, at(0.4), at(0.5), 5, 0.2));
        assertEquals(1, s.timeline().size());
    }
}
