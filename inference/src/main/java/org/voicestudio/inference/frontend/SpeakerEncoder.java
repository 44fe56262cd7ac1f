package org.voicestudio.inference.frontend;

/**
 * The speaker encoder of voice creation (CAM++, {@code campplus.onnx}, reference §2.5): the
 * mean-subtracted 80-bin Kaldi fbank of the 16 kHz prompt, time-major (T, 80), to a 192-d
 * x-vector. Implementations own native sessions: close them.
 */
public interface SpeakerEncoder extends AutoCloseable {
    int FBANK_BINS = 80;
    int EMBEDDING_DIM = 192;

    /** {@code fbank[t * 80 + bin]}, {@code frames} rows → 192 floats. */
    float[] embed(float[] fbank, int frames);

    @Override void close();
}
