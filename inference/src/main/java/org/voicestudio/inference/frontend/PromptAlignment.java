package org.voicestudio.inference.frontend;

import org.voicestudio.inference.audio.Mel;

import java.util.Arrays;

/**
 * The 2:1 alignment of prompt mel and prompt speech tokens (reference §2.6,
 * {@code frontend_zero_shot} at 24 kHz): {@code token_len = min(T_mel // 2, n_tokens)}, tokens
 * cut to {@code token_len}, mel to {@code 2 * token_len} frames. The flow needs exactly two mel
 * frames per prompt token.
 */
public record PromptAlignment(int[] tokens, Mel mel) {
    public PromptAlignment {
        if (mel.frames() != 2 * tokens.length) throw new IllegalArgumentException("aligned mel must have 2 frames per token: " + mel.frames() + " vs " + tokens.length);
    }

    public static PromptAlignment align(int[] tokens, Mel mel) {
        int tokenLen = Math.min(mel.frames() / 2, tokens.length);
        return new PromptAlignment(Arrays.copyOf(tokens, tokenLen), mel.slice(0, 2 * tokenLen));
    }
}
