package org.voicestudio.inference.pipeline;

/**
 * One {@code token2wav} call as the streaming scheduler issues it: the official trace row
 * {@code [n_tokens, token_offset, stream, finalize]} (golden {@code e2e_st_calls}).
 *
 * @param tokens      how many speech tokens (from the start of the utterance) the flow sees
 * @param tokenOffset tokens already turned into mel by earlier calls; the flow mel is kept from
 *                    frame {@code tokenOffset * token_mel_ratio} on
 * @param streaming   50-frame block-causal attention in the flow (false: full attention)
 * @param last        last call of the utterance (the official `finalize`): the flow uses every token (no right context) and
 *                    the vocoder holds nothing back
 */
public record Token2WavCall(int tokens, int tokenOffset, boolean streaming, boolean last) {
    public Token2WavCall {
        if (tokenOffset < 0 || tokenOffset > tokens) {
            throw new IllegalArgumentException("token offset " + tokenOffset + " outside [0, " + tokens + "]");
        }
    }

    /** The trace row as the official code records it: {@code [n_tokens, token_offset, stream, finalize]}. */
    public long[] traceRow() {
        return new long[] {tokens, tokenOffset, streaming ? 1 : 0, last ? 1 : 0};
    }
}
