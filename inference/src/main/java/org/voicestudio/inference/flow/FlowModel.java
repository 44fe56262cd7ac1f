package org.voicestudio.inference.flow;

import org.voicestudio.inference.audio.Mel;

/**
 * The flow stage: speech tokens to mel ({@code CausalMaskedDiffWithDiT.inference}, reference §4).
 * Always recomputes prompt + all tokens given; the caller slices what is new.
 */
public interface FlowModel extends AutoCloseable {

    /**
     * @return the target part of the mel, (80, 2 * kept tokens): with {@code finalize} all tokens,
     *         otherwise all but the last {@code pre_lookahead_len} (which are right context only)
     */
    Mel inference(FlowRequest request);

    @Override void close();

    /**
     * @param tokens       speech tokens to synthesize (1, N)
     * @param promptTokens the voice's prompt speech tokens (1, P)
     * @param promptFeat   the voice's prompt mel, exactly 2P frames
     * @param embedding    the 192-d speaker x-vector (not yet normalized)
     * @param streaming    50-frame block-causal attention instead of full attention
     * @param last         last call of an utterance (the official `finalize`) (zero right context instead of lookahead tokens)
     */
    record FlowRequest(int[] tokens, int[] promptTokens, Mel promptFeat, float[] embedding, boolean streaming, boolean last) {}
}
