package org.voicestudio.inference.llm;

/**
 * The LLM stage as an engine runs it: CosyVoice3LM (Qwen2 backbone, speech embedding,
 * {@code llm_decoder} head). Sampling, stop rules and streaming live in this package and are
 * engine-independent; an engine only prefills and steps.
 */
public interface SpeechLanguageModel extends AutoCloseable {

    /**
     * Prefills {@code [sos] + embed_tokens(textIds) + [task_id] + speech_embedding(promptSpeechTokens)}
     * (reference §3.3) and returns a session positioned after it.
     *
     * @param textIds prompt text ids followed by the text to speak
     */
    LmSession start(int[] textIds, int[] promptSpeechTokens);

    /** Size of the speech vocabulary the head scores (6761 for CosyVoice3). */
    int speechVocabSize();

    @Override void close();

    /** One decode in progress, with its own KV cache. Not thread-safe; one per request. */
    interface LmSession extends AutoCloseable {
        /** {@code log_softmax(llm_decoder(h))} for the next token, length {@link #speechVocabSize()}. */
        float[] logProbs();

        /** Feeds back one speech token ({@code speech_embedding[token]}) and advances one position. */
        void append(int speechToken);

        /** Positions held in the KV cache. */
        int length();

        @Override void close();
    }
}
