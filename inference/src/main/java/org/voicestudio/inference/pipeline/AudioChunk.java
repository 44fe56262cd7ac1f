package org.voicestudio.inference.pipeline;

/**
 * Audio as it streams out of the pipeline: mono float samples in [-1, 1].
 *
 * @param index position of this chunk in the synthesis (0, 1, ...)
 * @param last  true for the final chunk of the synthesis
 */
public record AudioChunk(int index, float[] samples, int sampleRate, boolean last) {
    public double seconds() { return samples.length / (double) sampleRate; }
}
