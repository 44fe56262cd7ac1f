package org.voicestudio.inference.pipeline;

/**
 * Where a request's speech tokens come from: the LLM stage (sampling loop over a
 * {@link org.voicestudio.inference.llm.SpeechLanguageModel}). Runs on the pipeline's LLM thread.
 */
@FunctionalInterface
public interface SpeechTokenSource {

    /**
     * Generates the speech tokens of {@code textIds} spoken in a voice, handing each token to
     * {@code sink} as soon as it is sampled; returns when generation has ended (stop token,
     * length limit) or {@code sink} asked to stop. Closes whatever session it opened.
     *
     * @param promptTextIds      the voice's prompt text ids (they precede {@code textIds} in the prefill)
     * @param textIds            the text to speak (length limits are counted on these only)
     * @param promptSpeechTokens the voice's prompt speech tokens
     * @param seed               sampling seed: same seed, same tokens
     */
    void generate(int[] promptTextIds, int[] textIds, int[] promptSpeechTokens, long seed, TokenSink sink);

    /** Receives tokens in order. */
    @FunctionalInterface
    interface TokenSink {
        /** @return false when the consumer wants no more tokens (the request was cancelled) */
        boolean accept(int speechToken);
    }
}
