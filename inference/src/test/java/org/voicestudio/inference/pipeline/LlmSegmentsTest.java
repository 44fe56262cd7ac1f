package org.voicestudio.inference.pipeline;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LlmSegmentsTest {
    private static final double EPS = 1e-12;

    /** Steps of 10 ns each, one token per step; every token forwarded except those listed. */
    private static List<StageEvent> run(boolean stream, int tokens, int... dropped) {
        List<StageEvent> out = new ArrayList<>();
        LlmSegments seg = new LlmSegments(StreamSchedule.forPrompt(12, 25, 3), stream, out::add);
        int forwarded = 0;
        for (int i = 0; i < tokens; i++) {
            boolean drop = false;
            for (int d : dropped) drop |= d == i;
            seg.step(new StageEvent(Stage.LLM, i, 100 + 10L * i, 110 + 10L * i, 1, drop ? 0 : 0.04));
            if (!drop) seg.forwarded(++forwarded);
        }
        seg.finish();
        return out;
    }

    @Test
    void streamingSegmentsEndWhereChunksBecomeRunnable() {
        // P = 12: chunk 0 needs 41 tokens, chunk 1 needs 41 + 50 = 91; 100 tokens -> 41, 50, 9
        List<StageEvent> events = run(true, 100);
        assertEquals(List.of(41, 50, 9), events.stream().map(StageEvent::items).toList());
        assertEquals(List.of(0, 1, 2), events.stream().map(StageEvent::chunk).toList());
        assertEquals(100, events.get(0).startNanos());
        assertEquals(110 + 10 * 40, events.get(0).endNanos());        // step 40's end
        assertEquals(100 + 10 * 41, events.get(1).startNanos());      // step 41's start
        assertEquals(41 * 0.04, events.get(0).audioSeconds(), EPS);
    }

    @Test
    void droppedSilentTokensCountAsStepsButNotTowardsTheChunk() {
        // tokens 3 and 4 are not forwarded: chunk 0's 41st forwarded token is step 42
        List<StageEvent> events = run(true, 60, 3, 4);
        assertEquals(43, events.get(0).items());
        assertEquals(41 * 0.04, events.get(0).audioSeconds(), EPS);
        assertEquals(17, events.get(1).items());
    }

    @Test
    void nonStreamingIsOneSegment() {
        List<StageEvent> events = run(false, 100);
        assertEquals(1, events.size());
        assertEquals(100, events.getFirst().items());
        assertEquals(1100, events.getFirst().endNanos());
    }

    @Test
    void noStepsNoEvent() {
        assertTrue(run(true, 0).isEmpty());
    }
}
