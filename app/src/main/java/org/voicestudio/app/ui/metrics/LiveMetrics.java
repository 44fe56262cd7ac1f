package org.voicestudio.app.ui.metrics;

import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The studio's running tally of one synthesis, fed the pipeline's {@link StageEvent}s as they arrive
 * so the metrics panel can move while audio streams. Definitions follow DESIGN.md "Stages and
 * engines": stage RTF = stage busy time ÷ audio seconds that stage produced; end-to-end RTF = wall
 * time ÷ audio seconds delivered; first-audio latency = start → first audio chunk; tokens/s = LLM
 * tokens ÷ LLM busy time. Not thread-safe: the FX thread owns it.
 */
public final class LiveMetrics {
    private final long startNanos;
    private final Map<Stage, double[]> busyAndAudio = new EnumMap<>(Stage.class); // {busy s, audio s}
    private final List<StageEvent> events = new ArrayList<>();
    private int llmTokens;
    private long firstAudioNanos = -1;
    private long lastNanos;      // latest event or audio arrival
    private long tickNanos;      // the FX clock while running (the screen's "now")
    private long endNanos = -1;  // when the pipeline said it was done
    private double deliveredAudioSeconds;

    public LiveMetrics(long startNanos) {
        this.startNanos = startNanos;
        this.lastNanos = startNanos;
        this.tickNanos = startNanos;
    }

    public long startNanos() { return startNanos; }

    public void stageEvent(StageEvent e) {
        events.add(e);
        double[] acc = busyAndAudio.computeIfAbsent(e.stage(), s -> new double[2]);
        acc[0] += e.seconds();
        acc[1] += e.audioSeconds();
        if (e.stage() == Stage.LLM) llmTokens += e.items();
        lastNanos = Math.max(lastNanos, e.endNanos());
    }

    /** A chunk of audio reached the listener at {@code nanos}. */
    public void audio(double seconds, long nanos) {
        if (firstAudioNanos < 0) firstAudioNanos = nanos;
        deliveredAudioSeconds += seconds;
        lastNanos = Math.max(lastNanos, nanos);
    }

    /** The wall clock moved on while the synthesis runs. */
    public void tick(long nanos) { tickNanos = Math.max(tickNanos, nanos); }

    /** The synthesis ended at {@code nanos}: wall time stops there, however late the screen learns of it. */
    public void end(long nanos) { endNanos = nanos; }

    public List<StageEvent> events() { return List.copyOf(events); }

    public Snapshot snapshot() {
        Map<Stage, Double> rtf = new EnumMap<>(Stage.class);
        busyAndAudio.forEach((stage, acc) -> { if (acc[1] > 0) rtf.put(stage, acc[0] / acc[1]); });
        double wall = (Math.max(lastNanos, endNanos >= 0 ? endNanos : tickNanos) - startNanos) / 1e9;
        double[] llm = busyAndAudio.get(Stage.LLM);
        double tokensPerSecond = llm != null && llm[0] > 0 ? llmTokens / llm[0] : Double.NaN;
        return new Snapshot(rtf,
                deliveredAudioSeconds > 0 ? wall / deliveredAudioSeconds : Double.NaN,
                firstAudioNanos >= 0 ? (firstAudioNanos - startNanos) / 1e9 : Double.NaN,
                tokensPerSecond, llmTokens, deliveredAudioSeconds, wall);
    }

    /** A chunk of {@code seconds} of audio reached the studio at {@code nanos} (System.nanoTime). */
    public record AudioArrival(double seconds, long nanos) {}

    /**
     * Metrics of one synthesis at one moment; {@code NaN} where not yet known.
     *
     * @param stageRtf stage RTF of each stage that has reported audio seconds
     */
    public record Snapshot(Map<Stage, Double> stageRtf, double endToEndRtf, double firstAudioSeconds,
                           double tokensPerSecond, int tokens, double audioSeconds, double wallSeconds) {
        public Snapshot {
            stageRtf = Map.copyOf(stageRtf);
        }

        public static final Snapshot EMPTY = new Snapshot(Map.of(), Double.NaN, Double.NaN, Double.NaN, 0, 0, 0);

        public double rtf(Stage stage) { return stageRtf.getOrDefault(stage, Double.NaN); }
    }
}
