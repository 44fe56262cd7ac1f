package org.voicestudio.inference.metrics;

import org.voicestudio.inference.engine.Stage;

/**
 * One stage's work on one chunk: when it ran (System.nanoTime, relative to nothing in
 * particular; compare within one synthesis), what it produced and how much audio that covers.
 *
 * @param items        tokens (LLM), mel frames (flow) or samples (vocoder) produced
 * @param audioSeconds seconds of output audio those items stand for
 */
public record StageEvent(Stage stage, int chunk, long startNanos, long endNanos, int items, double audioSeconds) {
    public double seconds() { return (endNanos - startNanos) / 1e9; }
}
