package org.voicestudio.inference.frontend;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.audio.Mel;

import static org.junit.jupiter.api.Assertions.*;

class PromptAlignmentTest {
    private static Mel mel(int frames) {
        float[] d = new float[80 * frames];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return new Mel(80, frames, d);
    }

    @Test
    void tokensAndMelAreCutToTwoFramesPerToken() {
        // the fixture's case: 65 mel frames, 33 tokens -> min(65 // 2, 33) = 32 tokens, 64 frames
        PromptAlignment a = PromptAlignment.align(new int[33], mel(65));
        assertEquals(32, a.tokens().length);
        assertEquals(mel(65).slice(0, 64), a.mel());
        // fewer tokens than mel allows: the mel is cut
        PromptAlignment b = PromptAlignment.align(new int[] {7, 8, 9}, mel(10));
        assertArrayEquals(new int[] {7, 8, 9}, b.tokens());
        assertEquals(6, b.mel().frames());
    }
}
