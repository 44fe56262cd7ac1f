package org.voicestudio.inference.frontend;

/**
 * The speech tokenizer of voice creation (S3 tokenizer v3, {@code speech_tokenizer_v3.onnx},
 * reference §2.4): the 128-bin whisper log-mel of the 16 kHz prompt, channel-major (128, T) at
 * 100 frames/s, to 25 Hz speech tokens in [0, speech_token_size) (6561 officially). Implementations own native sessions.
 */
public interface SpeechTokenizer extends AutoCloseable {
    int MEL_BINS = 128;
    /** The official frontend refuses prompts over 30 s (3000 frames at 100 fps). */
    int MAX_FRAMES = 3000;

    /** {@code logMel[bin * frames + t]} → tokens (≈ ceil(frames / 4)). */
    int[] tokenize(float[] logMel, int frames);

    @Override void close();
}
