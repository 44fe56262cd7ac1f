package org.voicestudio.inference.llm;

/**
 * How a decode ended.
 *
 * @param generated    every token the LM produced, in order (including silent tokens the throttle
 *                     held back; excluding the stop id)
 * @param forwarded    how many of them went to the sink
 * @param prefillNanos time of {@code start} (the prefill)
 * @param decodeNanos  LLM busy time after the prefill: the sum of the steps' event durations minus
 *                     the prefill (time blocked in the sink is not included)
 */
public record GenerationResult(int[] generated, int forwarded, StopReason reason, long prefillNanos, long decodeNanos) {

    public enum StopReason {
        /** the LM sampled a stop id */
        STOP_TOKEN,
        /** {@code max_len} tokens were produced without a stop id */
        MAX_TOKENS,
        /** a {@link TokenBudget.Fixed} budget was used up */
        BUDGET_USED,
        /** the {@link CancellationToken} was set */
        CANCELLED
    }

    public GenerationResult {
        generated = generated.clone();
    }

    @Override public int[] generated() { return generated.clone(); }

    public int tokenCount() { return generated.length; }

    /** Decode speed after the prefill, in tokens per second (NaN before the second token). */
    public double decodeTokensPerSecond() {
        return generated.length > 1 && decodeNanos > 0 ? (generated.length - 1) / (decodeNanos / 1e9) : Double.NaN;
    }
}
