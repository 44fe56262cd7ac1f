package org.voicestudio.voices;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.pipeline.VoicePrompt;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A voice: what the user calls it and what the model needs of it (the official {@code spk2info}
 * entry, reference §2.7).
 *
 * @param name               unique name in the library
 * @param language           language code of the transcript ("es", "en"; "" if unknown, e.g. imported)
 * @param transcript         what is said in the recording ("" if unknown)
 * @param promptTextIds      token ids of the prompt text (zero-shot prefix + transcript)
 * @param promptSpeechTokens 25 Hz speech tokens of the recording, cut to the mel (§2.6)
 * @param promptMel          80-bin mel of the 24 kHz recording, exactly 2 frames per token
 * @param embedding          192-d CAM++ speaker embedding
 * @param source             the recording, when the voice was made here
 */
public record VoiceProfile(String name, String language, String transcript, int[] promptTextIds, int[] promptSpeechTokens,
                           Mel promptMel, float[] embedding, Optional<SourceRecording> source) {
    public static final int EMBEDDING_DIM = 192;
    public static final int MEL_CHANNELS = 80;

    public VoiceProfile {
        Objects.requireNonNull(source, "source (use Optional.empty())");
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a voice needs a name");
        if (embedding.length != EMBEDDING_DIM) throw new IllegalArgumentException("voice '" + name + "': speaker embedding has " + embedding.length + " values, expected " + EMBEDDING_DIM);
        if (promptMel.channels() != MEL_CHANNELS) throw new IllegalArgumentException("voice '" + name + "': prompt mel has " + promptMel.channels() + " channels, expected " + MEL_CHANNELS);
        if (promptMel.frames() != 2 * promptSpeechTokens.length) {
            throw new IllegalArgumentException("voice '" + name + "': prompt mel has " + promptMel.frames() + " frames, needs exactly 2 per speech token (" + 2 * promptSpeechTokens.length + ")");
        }
        name = name.strip();
        promptTextIds = promptTextIds.clone();
        promptSpeechTokens = promptSpeechTokens.clone();
        embedding = embedding.clone();
    }

    @Override public int[] promptTextIds() { return promptTextIds.clone(); }
    @Override public int[] promptSpeechTokens() { return promptSpeechTokens.clone(); }
    @Override public float[] embedding() { return embedding.clone(); }

    /** Seconds of prompt speech the model sees (25 tokens per second). */
    public double promptSeconds() { return promptSpeechTokens.length / 25.0; }

    /** What the synthesis pipeline needs of this voice. */
    public VoicePrompt toVoicePrompt() { return new VoicePrompt(promptTextIds, promptSpeechTokens, promptMel, embedding); }

    public VoiceProfile withName(String newName) {
        return new VoiceProfile(newName, language, transcript, promptTextIds, promptSpeechTokens, promptMel, embedding, source);
    }

    @Override public boolean equals(Object o) {
        return o instanceof VoiceProfile v && v.name.equals(name) && v.language.equals(language) && v.transcript.equals(transcript)
                && Arrays.equals(v.promptTextIds, promptTextIds) && Arrays.equals(v.promptSpeechTokens, promptSpeechTokens)
                && v.promptMel.equals(promptMel) && Arrays.equals(v.embedding, embedding) && v.source.equals(source);
    }

    @Override public int hashCode() { return Objects.hash(name, language, transcript, Arrays.hashCode(promptSpeechTokens)); }

    @Override public String toString() {
        return "VoiceProfile[" + name + ", " + (language.isEmpty() ? "?" : language) + ", " + promptSpeechTokens.length + " tokens = " + promptSeconds() + " s]";
    }
}
