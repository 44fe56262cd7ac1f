package org.voicestudio.inference.metrics;

import org.voicestudio.inference.engine.Stage;

/**
 * One stage's totals over a synthesis.
 *
 * @param chunks       events reported (LLM segments, flow calls, vocoder calls)
 * @param items        tokens, mel frames or samples produced
 * @param busySeconds  summed duration of the stage's events (a stage runs one chunk at a time)
 * @param audioSeconds audio the stage's output stands for (tokens / 25, frames / 50, samples / 24000)
 */
public record StageMetrics(Stage stage, int chunks, long items, double busySeconds, double audioSeconds) {

    /** Real-time factor: busy time per second of audio the stage produced (below 1 = faster than real time). */
    public double rtf() { return audioSeconds > 0 ? busySeconds / audioSeconds : Double.NaN; }

    /** Items per busy second (tokens/s for the LLM). */
    public double itemsPerSecond() { return busySeconds > 0 ? items / busySeconds : Double.NaN; }

    /** Busy milliseconds per item (ms/token for the LLM). */
    public double millisPerItem() { return items > 0 ? 1000.0 * busySeconds / items : Double.NaN; }
}
