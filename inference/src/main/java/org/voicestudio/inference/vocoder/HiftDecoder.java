package org.voicestudio.inference.vocoder;

import org.voicestudio.inference.audio.Mel;

/**
 * {@code CausalHiFTGenerator.decode} up to {@code conv_post} (reference §5), the engine-specific
 * half of the vocoder: conv_pre, the three up-sampling stages fused with the down-sampled source
 * STFT, ResBlocks, conv_post.
 */
public interface HiftDecoder extends AutoCloseable {
    /**
     * @param mel        decoder input (80, F); when not final its last {@code conv_pre_look_right}
     *                   frames are look-ahead context only, so F - 4 frames are decoded
     * @param sourceStft the source STFT [18, frames], already trimmed for a non-final call
     * @param stftFrames frames of sourceStft = 120 * (decoded frames) + 1
     * @return conv_post output [18, stftFrames]: log-magnitudes (rows 0..8), phases before sin (9..17)
     */
    float[] forward(Mel mel, float[] sourceStft, int stftFrames, boolean finalize);

    @Override void close();
}
