package org.voicestudio.inference.flow;

import org.voicestudio.inference.audio.Mel;

/**
 * What the flow feeds its solver for one call (reference §4.1, §4.3), with the intermediates the golden
 * fixtures name. Arrays are row-major in the PyTorch shapes given (batch 1 dropped).
 *
 * @param layout         the call's lengths
 * @param spks           (mel) {@code spk_embed_affine_layer(normalize(xvec))}
 * @param tokenEmbedding (P+N, mel) {@code input_embedding(clamp(tokens, 0))}, time-major
 * @param h              (encodedTokens, mel) pre-lookahead output, time-major
 * @param mu             (mel, T) {@code h.repeat_interleave(ratio)} transposed
 * @param cond           (mel, T) prompt mel in the first 2P frames, zeros after
 * @param mask           (T) ones (batch 1 has no padding)
 */
public record FlowConditioning(FlowLayout layout, float[] spks, float[] tokenEmbedding, float[] h, float[] mu, float[] cond, float[] mask) {

    /** {@code cond}: zeros (mel, T) with the prompt mel in frames [0, 2P). */
    public static float[] promptCondition(Mel promptFeat, int frames) {
        if (promptFeat.frames() > frames) {
            throw new IllegalArgumentException("prompt mel has " + promptFeat.frames() + " frames, more than the " + frames + " the flow works on");
        }
        int mel = promptFeat.channels();
        float[] cond = new float[mel * frames];
        for (int c = 0; c < mel; c++) System.arraycopy(promptFeat.data(), c * promptFeat.frames(), cond, c * frames, promptFeat.frames());
        return cond;
    }

    /** The valid-frame mask: all ones for a batch of one. */
    public static float[] fullMask(int frames) {
        float[] m = new float[frames];
        java.util.Arrays.fill(m, 1f);
        return m;
    }

    /** {@code feat[:, :, 2P:]}: the target part of the solver's result (mel, T). */
    public Mel target(float[] solution, int melChannels) {
        return new Mel(melChannels, layout.frames(), solution).slice(layout.promptFrames(), layout.frames());
    }
}
