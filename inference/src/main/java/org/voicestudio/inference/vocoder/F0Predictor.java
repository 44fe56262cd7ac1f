package org.voicestudio.inference.vocoder;

import org.voicestudio.inference.audio.Mel;

/**
 * {@code CausalConvRNNF0Predictor} (reference §5), the engine-specific half of F0: mel (80, T) to
 * F0 in Hz per frame, in float64 as the official inference forces. Its first convolution looks
 * {@link #LOOK_RIGHT} frames ahead: a final call pads zeros and returns T values, a non-final call
 * uses the last 3 frames as context only and returns T - 3.
 */
public interface F0Predictor extends AutoCloseable {
    /** condnet[0].causal_padding: kernel 4, right-padded. */
    int LOOK_RIGHT = 3;

    double[] forward(Mel mel, boolean finalize);

    @Override void close();
}
