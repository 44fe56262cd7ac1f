package org.voicestudio.inference.llm;

import org.voicestudio.inference.config.ModelConfig.LlmConfig;

import java.util.List;

/**
 * The prefill sequence of {@code CosyVoice3LM.inference} (reference §3.3), as rows of the two
 * embedding tables an engine must look up and concatenate in order:
 * <pre>
 *   [speech_embedding[sos]] + embed_tokens(text) + [speech_embedding[task_id]] + speech_embedding(prompt speech)
 * </pre>
 * The speaker embedding is not part of it (CosyVoice2/3 LMs do not use it). Engines build the
 * {@code [1, L, hidden]} input from {@link #segments()} so that every engine agrees on the layout.
 */
public record Prefill(List<Segment> segments) {

    /** A run of rows from one embedding table. */
    public sealed interface Segment {
        int[] ids();

        default int length() { return ids().length; }
    }

    /** Rows of the Qwen text table {@code llm.model.model.embed_tokens}. */
    public record TextRows(int[] ids) implements Segment {}

    /** Rows of {@code speech_embedding} (6761 rows in CosyVoice3: speech codes and the special ids). */
    public record SpeechRows(int[] ids) implements Segment {}

    public Prefill {
        segments = List.copyOf(segments);
    }

    /**
     * @param textIds            prompt text ids followed by the text to speak
     * @param promptSpeechTokens prompt speech tokens (FSQ codes)
     * @throws IllegalArgumentException if an id lies outside its table
     */
    public static Prefill of(LlmConfig config, int[] textIds, int[] promptSpeechTokens) {
        checkRange("text id", textIds, config.textVocabSize(), "embed_tokens rows (text vocab)");
        checkRange("prompt speech token", promptSpeechTokens, config.speechTokenSize(),
                "speech_token_size (this model's speech codes; a voice made with another model's speech tokenizer does not fit it: make the voice again with this model)");
        return new Prefill(List.of(
                new SpeechRows(new int[] {config.sosId()}),
                new TextRows(textIds.clone()),
                new SpeechRows(new int[] {config.taskId()}),
                new SpeechRows(promptSpeechTokens.clone())));
    }

    /** Positions the prefill occupies: 1 + text + 1 + prompt speech. */
    public int length() {
        return segments.stream().mapToInt(Segment::length).sum();
    }

    private static void checkRange(String what, int[] ids, int limit, String table) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= limit) {
                throw new IllegalArgumentException(what + " " + ids[i] + " at index " + i + " is outside [0, " + limit + ") of " + table);
            }
        }
    }
}
