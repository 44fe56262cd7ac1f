package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.audio.Mel;

/**
 * What the pipeline needs of a voice (the official {@code spk2info} entry, reference §2.7):
 * prompt text ids, prompt speech tokens (25 Hz), the prompt mel with exactly two frames per
 * token, and the 192-d speaker embedding.
 */
public record VoicePrompt(int[] promptTextIds, int[] promptSpeechTokens, Mel promptMel, float[] embedding) {
    public VoicePrompt {
        if (promptMel.frames() != 2 * promptSpeechTokens.length) {
            throw new IllegalArgumentException("prompt mel has " + promptMel.frames() + " frames but needs exactly 2 per prompt token ("
                    + 2 * promptSpeechTokens.length + ")");
        }
    }
}
