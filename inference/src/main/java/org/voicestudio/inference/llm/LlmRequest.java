package org.voicestudio.inference.llm;

import org.voicestudio.inference.config.ModelConfig.LlmConfig;

import java.util.Arrays;

/**
 * What the LLM stage is asked to speak (reference §3.3): the voice's prompt text and prompt speech
 * tokens, and the text to speak. The official code concatenates prompt text and text into one id
 * sequence for the prefill but derives the length limits from the text to speak alone.
 *
 * @param promptTextIds      ids of the voice's transcript (for CosyVoice3 it contains
 *                           {@code <|endofprompt|>}, 151646); may be empty (cross-lingual mode)
 * @param ttsTextIds         ids of the text to speak; not empty
 * @param promptSpeechTokens the voice's 25 Hz speech tokens, FSQ codes in [0, speech_token_size)
 */
public record LlmRequest(int[] promptTextIds, int[] ttsTextIds, int[] promptSpeechTokens) {

    public LlmRequest {
        if (promptTextIds == null || ttsTextIds == null || promptSpeechTokens == null) {
            throw new IllegalArgumentException("LLM request: prompt text, text and prompt speech ids must not be null (use empty arrays)");
        }
        if (ttsTextIds.length == 0) throw new IllegalArgumentException("LLM request: the text to speak has no tokens");
        promptTextIds = promptTextIds.clone();
        ttsTextIds = ttsTextIds.clone();
        promptSpeechTokens = promptSpeechTokens.clone();
    }

    /** {@code concat(prompt_text, text)}: the text ids {@link SpeechLanguageModel#start} receives. */
    public int[] textIds() {
        int[] ids = Arrays.copyOf(promptTextIds, promptTextIds.length + ttsTextIds.length);
        System.arraycopy(ttsTextIds, 0, ids, promptTextIds.length, ttsTextIds.length);
        return ids;
    }

    @Override public int[] promptTextIds() { return promptTextIds.clone(); }

    @Override public int[] ttsTextIds() { return ttsTextIds.clone(); }

    @Override public int[] promptSpeechTokens() { return promptSpeechTokens.clone(); }

    /** The official limits: min 2x, max 20x the tokens of the text to speak. */
    public TokenBudget.UntilStop defaultBudget() {
        return TokenBudget.forText(ttsTextIds.length);
    }

    /** The prefill sequence this request asks an engine to embed (validated against the vocabularies). */
    public Prefill prefill(LlmConfig config) {
        return Prefill.of(config, textIds(), promptSpeechTokens);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LlmRequest r && Arrays.equals(promptTextIds, r.promptTextIds)
                && Arrays.equals(ttsTextIds, r.ttsTextIds) && Arrays.equals(promptSpeechTokens, r.promptSpeechTokens);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(promptTextIds) + Arrays.hashCode(ttsTextIds)) + Arrays.hashCode(promptSpeechTokens);
    }

    @Override
    public String toString() {
        return "LlmRequest[promptText=" + promptTextIds.length + " ids, text=" + ttsTextIds.length
                + " ids, promptSpeech=" + promptSpeechTokens.length + " tokens]";
    }
}
