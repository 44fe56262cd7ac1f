package org.voicestudio.inference.llm;

import org.voicestudio.inference.config.ModelConfig.LlmConfig;

/**
 * CosyVoice3's {@code stop_token_ids}: every id past the FSQ codes, {@code 6561 .. 6760}
 * (reference §3.2). Sampling any of them ends the utterance; none is ever passed on.
 *
 * @param first first stop id ({@code speech_token_size})
 * @param end   one past the last ({@code speech_token_size + 200}, the head's row count)
 */
public record StopTokens(int first, int end) {

    public StopTokens {
        if (first < 0 || end <= first) throw new IllegalArgumentException("empty stop id range [" + first + ", " + end + ")");
    }

    public static StopTokens of(LlmConfig config) {
        return new StopTokens(config.speechTokenSize(), config.speechVocabSize());
    }

    public boolean contains(int id) {
        return id >= first && id < end;
    }

    /**
     * Sets every stop id's score to -inf, so none can be sampled. This is where this port differs
     * on purpose from the official HF path: {@code sampling_ids} there masks only index
     * {@code speech_token_size} (6561, which in CosyVoice3 is sos, not eos), so the real eos 6562 and
     * the other stop ids stay samplable and min_len is not enforced. Masking all of them enforces
     * min_len as intended (and as vLLM's {@code min_tokens} does).
     */
    public void mask(float[] scores) {
        if (scores.length < end) {
            throw new IllegalArgumentException("scores have " + scores.length + " entries but stop ids reach " + (end - 1));
        }
        for (int id = first; id < end; id++) scores[id] = Float.NEGATIVE_INFINITY;
    }
}
