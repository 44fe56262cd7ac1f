package org.voicestudio.inference.flow;

import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;

import java.util.Arrays;

/**
 * Length arithmetic of one {@code CausalMaskedDiffWithDiT.inference} call (reference §4.1). Tokens are
 * prompt (P) + target (N). A final call ({@code last}, the official {@code finalize}) encodes all of them with zero right padding; any
 * other call keeps the last {@code pre_lookahead_len} tokens as right context only, so their frames are not
 * produced. The DiT sees {@code T = token_mel_ratio * encodedTokens} frames, the first {@code 2P} of them the
 * prompt; the result is {@code feat[:, :, 2P:]}.
 */
public record FlowLayout(int promptTokens, int tokens, boolean last, int preLookaheadLen, int tokenMelRatio) {

    public FlowLayout {
        if (tokens < 1) throw new IllegalArgumentException("flow needs at least one speech token, got none");
        if (promptTokens < 0) throw new IllegalArgumentException("prompt token count must not be negative, got " + promptTokens);
        if (!last && tokens <= preLookaheadLen) {
            throw new IllegalArgumentException("a non-final flow call keeps its last " + preLookaheadLen
                    + " tokens as right context only, so it needs more than " + preLookaheadLen + " tokens, got " + tokens);
        }
    }

    /**
     * Checks a request against the model geometry: prompt mel of exactly {@code token_mel_ratio * P} frames
     * and {@code output_size} channels, a {@code spk_embed_dim} x-vector, token ids in the codebook.
     */
    public static FlowLayout of(FlowRequest request, FlowConfig config) {
        int[] tokens = request.tokens();
        int[] prompt = request.promptTokens();
        if (tokens == null || tokens.length == 0) throw new IllegalArgumentException("flow request has no speech tokens to synthesize");
        if (prompt == null) throw new IllegalArgumentException("flow request has no prompt tokens (pass an empty array for none)");
        checkIds("token", tokens, config.vocabSize());
        checkIds("prompt token", prompt, config.vocabSize());
        var feat = request.promptFeat();
        if (feat == null) throw new IllegalArgumentException("flow request has no prompt mel");
        if (feat.channels() != config.outputSize()) {
            throw new IllegalArgumentException("prompt mel has " + feat.channels() + " channels, the flow expects " + config.outputSize());
        }
        if (feat.frames() != config.tokenMelRatio() * prompt.length) {
            throw new IllegalArgumentException("prompt mel has " + feat.frames() + " frames but " + prompt.length + " prompt tokens need exactly "
                    + config.tokenMelRatio() * prompt.length + " (token_mel_ratio " + config.tokenMelRatio() + " frames per token)");
        }
        float[] emb = request.embedding();
        if (emb == null || emb.length != config.spkEmbedDim()) {
            throw new IllegalArgumentException("speaker embedding needs " + config.spkEmbedDim() + " values, got " + (emb == null ? "none" : emb.length));
        }
        return new FlowLayout(prompt.length, tokens.length, request.last(), config.preLookaheadLen(), config.tokenMelRatio());
    }

    private static void checkIds(String what, int[] ids, int vocab) {
        for (int i = 0; i < ids.length; i++) {
            // negative ids are padding and clamp to 0 as in the official code
            if (ids[i] >= vocab) {
                throw new IllegalArgumentException(what + " " + i + " is " + ids[i] + ", outside the flow codebook [0, " + vocab + ")");
            }
        }
    }

    /** P + N: tokens embedded. */
    public int totalTokens() { return promptTokens + tokens; }

    /** Right-context tokens (not produced): 0 when final, else {@code pre_lookahead_len}. */
    public int contextTokens() { return last ? 0 : preLookaheadLen; }

    /** Tokens the pre-lookahead layer produces h for. */
    public int encodedTokens() { return totalTokens() - contextTokens(); }

    /** Target tokens whose frames are produced. */
    public int keptTokens() { return tokens - contextTokens(); }

    /** T: mel frames the solver works on, prompt included. */
    public int frames() { return tokenMelRatio * encodedTokens(); }

    /** {@code mel_len1 = 2P}: the prompt frames cut off the result. */
    public int promptFrames() { return tokenMelRatio * promptTokens; }

    /** {@code mel_len2}: frames returned. */
    public int targetFrames() { return frames() - promptFrames(); }

    /** All prompt + target ids, negative ids clamped to 0 ({@code torch.clamp(token, min=0)}). */
    public static int[] clampedIds(int[] promptTokens, int[] tokens) {
        int[] ids = new int[promptTokens.length + tokens.length];
        System.arraycopy(promptTokens, 0, ids, 0, promptTokens.length);
        System.arraycopy(tokens, 0, ids, promptTokens.length, tokens.length);
        return Arrays.stream(ids).map(i -> Math.max(i, 0)).toArray();
    }
}
