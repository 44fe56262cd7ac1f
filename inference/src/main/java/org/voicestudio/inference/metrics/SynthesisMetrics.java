package org.voicestudio.inference.metrics;

import org.voicestudio.inference.engine.Stage;

import java.util.List;
import java.util.Map;

/**
 * What a synthesis cost, derived from its stage events and audio chunks (a snapshot: while the
 * synthesis runs, "wall" is the time so far).
 *
 * @param wallSeconds              request start to finish (or to the snapshot)
 * @param audioSeconds             audio delivered in chunks
 * @param firstAudioSeconds        request start to the first audio chunk; NaN before it arrives
 * @param stages                   per-stage totals, for the stages that reported anything
 * @param timeline                 every stage event as a bar relative to the request start, in
 *                                 the order the events were reported
 * @param done                     the synthesis has ended (finished, cancelled or failed)
 */
public record SynthesisMetrics(double wallSeconds, double audioSeconds, double firstAudioSeconds,
                               Map<Stage, StageMetrics> stages, List<TimelineSpan> timeline, boolean done) {
    public SynthesisMetrics {
        stages = Map.copyOf(stages);
        timeline = List.copyOf(timeline);
    }

    /** End-to-end real-time factor: wall time per second of audio delivered. */
    public double endToEndRtf() { return audioSeconds > 0 ? wallSeconds / audioSeconds : Double.NaN; }

    /** Stage RTF (busy ÷ audio of that stage), NaN for a stage that reported nothing. */
    public double stageRtf(Stage stage) {
        StageMetrics m = stages.get(stage);
        return m == null ? Double.NaN : m.rtf();
    }

    /** LLM speed in tokens per second of LLM busy time. */
    public double llmTokensPerSecond() {
        StageMetrics m = stages.get(Stage.LLM);
        return m == null ? Double.NaN : m.itemsPerSecond();
    }
}
