package org.voicestudio.app.ui.voices;

/**
 * A voice as the picker lists it.
 *
 * @param id   id in the voice library; null for the model's built-in default speaker
 * @param detail one line under the name (language, length of the reference, ...)
 */
public record VoiceItem(String id, String name, String detail) {
    /** No reference recording: an empty prompt and a zero speaker embedding. */
    public static final VoiceItem DEFAULT = new VoiceItem(null, "No reference voice", "the model without a prompt speaker");
}
