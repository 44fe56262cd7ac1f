package org.voicestudio.inference.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FlowAttentionMaskTest {
    @Test
    void streamingMaskIsBlockCausalInChunksCountedFromFrameZero() {
        int t = 120;
        float[] valid = FlowConditioning.fullMask(t);
        boolean[] m = FlowAttentionMask.build(valid, 1, t, true, 50);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                assertEquals(j < (i / 50 + 1) * 50, m[i * t + j], "query " + i + " key " + j);
            }
        }
        boolean[] full = FlowAttentionMask.build(valid, 1, t, false, 50);
        for (boolean b : full) assertEquals(true, b);
    }

    @Test
    void invalidKeysAreHiddenAndTheirOutputRowsDropped() {
        float[] valid = {1, 1, 1, 0};
        boolean[] m = FlowAttentionMask.build(valid, 1, 4, false, 50);
        for (int i = 0; i < 4; i++) assertArrayEquals(new boolean[] {true, true, true, false}, java.util.Arrays.copyOfRange(m, i * 4, i * 4 + 4));
        assertArrayEquals(new float[] {1, 1, 1, 0}, FlowAttentionMask.outputRows(m, 1, 4));
    }
}
