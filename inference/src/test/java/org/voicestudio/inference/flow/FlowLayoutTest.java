package org.voicestudio.inference.flow;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.testing.TinyModelConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FlowLayoutTest {
    private static final FlowConfig FLOW = TinyModelConfig.config().flow();

    @Test
    void finalCallProducesTwoFramesPerTokenAfterThePrompt() {
        FlowLayout l = new FlowLayout(12, 50, true, 3, 2);
        assertEquals(124, l.frames());
        assertEquals(24, l.promptFrames());
        assertEquals(100, l.targetFrames());
        assertEquals(62, l.encodedTokens());
    }

    @Test
    void nonFinalCallKeepsTheLastThreeTokensAsRightContextOnly() {
        FlowLayout l = new FlowLayout(12, 41, false, 3, 2);   // first streaming chunk of the fixture
        assertEquals(50, l.encodedTokens());
        assertEquals(100, l.frames());
        assertEquals(76, l.targetFrames());
        assertEquals(38, l.keptTokens());
    }

    @Test
    void promptMelMustHaveTwoFramesPerPromptToken() {
        var req = new FlowRequest(new int[10], new int[12], new Mel(80, 23, new float[80 * 23]), new float[192], false, true);
        var e = assertThrows(IllegalArgumentException.class, () -> FlowLayout.of(req, FLOW));
        assertEquals("prompt mel has 23 frames but 12 prompt tokens need exactly 24 (token_mel_ratio 2 frames per token)", e.getMessage());
    }

    @Test
    void emptyTokensAreRejected() {
        var req = new FlowRequest(new int[0], new int[12], new Mel(80, 24, new float[80 * 24]), new float[192], false, true);
        var e = assertThrows(IllegalArgumentException.class, () -> FlowLayout.of(req, FLOW));
        assertEquals("flow request has no speech tokens to synthesize", e.getMessage());
    }

    @Test
    void nonFinalCallNeedsMoreTokensThanTheLookahead() {
        var req = new FlowRequest(new int[3], new int[12], new Mel(80, 24, new float[80 * 24]), new float[192], true, false);
        var e = assertThrows(IllegalArgumentException.class, () -> FlowLayout.of(req, FLOW));
        assertEquals("a non-final flow call keeps its last 3 tokens as right context only, so it needs more than 3 tokens, got 3", e.getMessage());
    }

    @Test
    void tokenIdsOutsideTheCodebookAreRejected() {
        var req = new FlowRequest(new int[] {1, 6561}, new int[0], Mel.empty(80), new float[192], false, true);
        var e = assertThrows(IllegalArgumentException.class, () -> FlowLayout.of(req, FLOW));
        assertEquals("token 1 is 6561, outside the flow codebook [0, 6561)", e.getMessage());
    }
}
