package org.voicestudio.engines.vllm;

import java.util.stream.IntStream;

/**
 * Where CosyVoice3's speech tokens sit in the vocabulary of the exported plain-Qwen2 checkpoint
 * (reference §3.7): the text vocabulary first ({@code textVocabSize} ids), then the
 * {@code speechVocabSize} speech-embedding rows (FSQ codes 0..6560, then sos, eos, task_id, fill
 * and the other special rows), then zero rows up to a multiple of 128.
 *
 * @param speechTokenSize FSQ codes (6561); speech ids {@code >= speechTokenSize} are special
 */
public record SpeechVocabulary(int textVocabSize, int speechTokenSize, int speechVocabSize) {
    public static final int PAD_MULTIPLE = 128;

    public SpeechVocabulary {
        if (textVocabSize <= 0 || speechTokenSize <= 0 || speechVocabSize <= speechTokenSize + 3) {
            throw new IllegalArgumentException("bad vocabulary sizes: text " + textVocabSize + ", speech tokens "
                    + speechTokenSize + ", speech rows " + speechVocabSize);
        }
    }

    /** First id of the speech part. */
    public int speechOffset() { return textVocabSize; }

    /** Rows of the exported embedding and head, padded to a multiple of 128. */
    public int paddedVocabSize() {
        int used = textVocabSize + speechVocabSize;
        return (used + PAD_MULTIPLE - 1) / PAD_MULTIPLE * PAD_MULTIPLE;
    }

    public int toServerId(int speechId) {
        if (speechId < 0 || speechId >= speechVocabSize) throw new IllegalArgumentException("speech id " + speechId + " out of range");
        return textVocabSize + speechId;
    }

    /** The speech id of a server id, or -1 when the id is not in the speech part (a text token). */
    public int toSpeechId(int serverId) {
        int s = serverId - textVocabSize;
        return s >= 0 && s < speechVocabSize ? s : -1;
    }

    public int sosServerId() { return toServerId(speechTokenSize); }
    public int eosServerId() { return toServerId(speechTokenSize + 1); }
    public int taskIdServerId() { return toServerId(speechTokenSize + 2); }

    /** CosyVoice3 stops on any of the 200 rows after the FSQ codes (6561..6760). */
    public int[] stopServerIds() {
        return IntStream.range(speechTokenSize, speechVocabSize).map(this::toServerId).toArray();
    }

    /** The ids sampling may pick: every speech row (text rows never carry speech). */
    public int[] allowedServerIds() {
        return IntStream.range(0, speechVocabSize).map(this::toServerId).toArray();
    }

    /**
     * The prompt as server token ids: {@code [sos] + text + [task_id] + prompt speech}, the same
     * sequence the official LLM prefills as embeddings (reference §3.3).
     */
    public int[] prompt(int[] textIds, int[] promptSpeechTokens) {
        int[] out = new int[textIds.length + promptSpeechTokens.length + 2];
        int i = 0;
        out[i++] = sosServerId();
        for (int t : textIds) {
            if (t < 0 || t >= textVocabSize) throw new IllegalArgumentException("text id " + t + " outside the text vocabulary of " + textVocabSize);
            out[i++] = t;
        }
        out[i++] = taskIdServerId();
        for (int s : promptSpeechTokens) {
            if (s < 0 || s >= speechTokenSize) throw new IllegalArgumentException("prompt speech token " + s + " is not an FSQ code (0.." + (speechTokenSize - 1) + ")");
            out[i++] = toServerId(s);
        }
        return out;
    }
}
