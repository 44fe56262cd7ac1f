package org.voicestudio.inference.pipeline;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.audio.Mel;

import static org.junit.jupiter.api.Assertions.*;

class SpeedChangeTest {
    private static final float EXACT = 0f;   // every weight here is a dyadic fraction: float arithmetic is exact

    @Test
    void downsamplingReadsHalfWayBetweenFrames() {
        // 4 -> 2 frames: scale 2, sources 2*0.5-0.5 = 0.5 and 2*1.5-0.5 = 2.5
        Mel out = SpeedChange.resampleLinear(new Mel(1, 4, new float[] {0, 1, 2, 3}), 2);
        assertArrayEquals(new float[] {0.5f, 2.5f}, out.data(), EXACT);
    }

    @Test
    void upsamplingClampsAtBothEdges() {
        // 2 -> 4 frames: scale 0.5, sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (last frame repeats)
        Mel out = SpeedChange.resampleLinear(new Mel(2, 2, new float[] {0, 1, 10, 20}), 4);
        assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1, 10, 12.5f, 17.5f, 20}, out.data(), EXACT);
    }

    @Test
    void speedSetsFrameCountLikeUpstream() {
        Mel mel = new Mel(1, 5, new float[] {1, 2, 3, 4, 5});
        assertEquals(2, SpeedChange.stretch(mel, 2.0).frames());     // int(5 / 2)
        assertEquals(6, SpeedChange.stretch(mel, 0.8).frames());     // int(6.25)
        assertEquals(mel, SpeedChange.stretch(mel, 1.0));
        assertThrows(IllegalArgumentException.class, () -> SpeedChange.stretch(mel, 0));
    }
}
