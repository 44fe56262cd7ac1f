package org.voicestudio.inference.vocoder;

import org.voicestudio.inference.audio.Mel;

/**
 * The vocoder stage: mel to 24 kHz audio ({@code CausalHiFTGenerator.inference}, reference §5).
 * Deterministic: its phase and noise come from fixed tensors, so re-running it on a longer mel
 * reproduces the earlier samples (what streaming relies on).
 */
public interface Vocoder extends AutoCloseable {

    /**
     * @param finalize false holds back the last frames: the output covers {@code frames - 8}
     *                 frames (480 samples each); true covers every frame
     * @return waveform in [-audio_limit, audio_limit]
     */
    float[] inference(Mel mel, boolean finalize);

    @Override void close();
}
