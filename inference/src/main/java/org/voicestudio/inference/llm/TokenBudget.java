package org.voicestudio.inference.llm;

/** How many speech tokens a decode may or must produce. */
public sealed interface TokenBudget {

    /** {@code min_token_text_ratio} of {@code CosyVoice3LM.inference}. */
    int MIN_TOKEN_TEXT_RATIO = 2;
    /** {@code max_token_text_ratio} of {@code CosyVoice3LM.inference}. */
    int MAX_TOKEN_TEXT_RATIO = 20;

    /** Upper bound on decode steps that yield a token. */
    int maxTokens();

    /** Whether every stop id is masked when sampling the token with this index (0-based). */
    boolean masksStopIds(int index);

    /**
     * The official rule (reference §3.3/3.4): stop at the first sampled stop id, but never before
     * {@code minTokens} tokens and never after {@code maxTokens}.
     */
    record UntilStop(int minTokens, int maxTokens) implements TokenBudget {
        public UntilStop {
            if (minTokens < 0 || maxTokens < 1 || minTokens > maxTokens) {
                throw new IllegalArgumentException("token budget needs 0 <= min <= max and max >= 1, got min " + minTokens + ", max " + maxTokens);
            }
        }

        @Override public boolean masksStopIds(int index) { return index < minTokens; }
    }

    /**
     * Exactly {@code tokens} tokens with stop ids masked at every step (no early stop): the
     * {@code bench --tokens N} mode, which measures decode speed independent of when the model stops.
     */
    record Fixed(int tokens) implements TokenBudget {
        public Fixed {
            if (tokens < 1) throw new IllegalArgumentException("fixed token budget must be at least 1, got " + tokens);
        }

        @Override public int maxTokens() { return tokens; }

        @Override public boolean masksStopIds(int index) { return true; }
    }

    /** {@code min_len = int(n * 2)}, {@code max_len = int(n * 20)} for {@code n} tokens of text to speak. */
    static UntilStop forText(int ttsTextTokens) {
        if (ttsTextTokens < 1) throw new IllegalArgumentException("text to speak has " + ttsTextTokens + " tokens; need at least 1");
        return new UntilStop(ttsTextTokens * MIN_TOKEN_TEXT_RATIO, ttsTextTokens * MAX_TOKEN_TEXT_RATIO);
    }
}
