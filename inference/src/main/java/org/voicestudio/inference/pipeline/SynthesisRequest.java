package org.voicestudio.inference.pipeline;

/**
 * One utterance to synthesize in zero-shot mode: already tokenized text, the voice, and how.
 *
 * @param textIds text ids of what to say (the voice's prompt text ids are prepended by the pipeline)
 * @param seed    LLM sampling seed
 * @param stream  emit audio chunk by chunk (official {@code stream=True}) instead of once at the end
 * @param speed   1 = normal; other values stretch the mel before the vocoder (non-streaming only,
 *                as upstream)
 */
public record SynthesisRequest(int[] textIds, VoicePrompt voice, long seed, boolean stream, double speed) {
    public SynthesisRequest {
        if (textIds == null || textIds.length == 0) throw new IllegalArgumentException("no text ids to synthesize");
        if (voice == null) throw new IllegalArgumentException("no voice prompt");
        if (!(speed > 0) || Double.isInfinite(speed)) throw new IllegalArgumentException("speed must be a positive number, got " + speed);
        if (stream && speed != 1.0) {
            throw new IllegalArgumentException("speed " + speed + " needs non-streaming synthesis (upstream supports speed change only without streaming)");
        }
        textIds = textIds.clone();
    }

    public SynthesisRequest(int[] textIds, VoicePrompt voice, long seed, boolean stream) { this(textIds, voice, seed, stream, 1.0); }

    @Override public int[] textIds() { return textIds.clone(); }
}
