package org.voicestudio.inference.metrics;

import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.SynthesisListener;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Collects one synthesis's events as a {@link SynthesisListener} (called from the pipeline's
 * worker threads) and hands out immutable {@link SynthesisMetrics} snapshots (from any thread, e.g.
 * the UI's frame timer). Times are {@code System.nanoTime}-style values of {@code clock}, the same
 * clock the stage events use.
 */
public final class MetricsCollector implements SynthesisListener {
    private final long requestStartNanos;
    private final LongSupplier clock;

    private final List<StageEvent> events = new ArrayList<>();
    private long audioSamples;
    private int sampleRate;
    private long firstAudioNanos = -1;
    private long endNanos = -1;

    /**
     * @param requestStartNanos when the request was made (the zero of the timeline and latencies)
     * @param clock             the clock of the stage events, read when audio arrives and when the
     *                          synthesis ends
     */
    public MetricsCollector(long requestStartNanos, LongSupplier clock) {
        this.requestStartNanos = requestStartNanos;
        this.clock = clock;
    }

    /** A collector for a request made now, on {@code System.nanoTime}. */
    public static MetricsCollector startingNow() { return new MetricsCollector(System.nanoTime(), System::nanoTime); }

    public long requestStartNanos() { return requestStartNanos; }

    @Override
    public synchronized void onStageEvent(StageEvent event) { events.add(event); }

    @Override
    public void onAudio(AudioChunk chunk) {
        long now = clock.getAsLong();
        synchronized (this) {
            if (firstAudioNanos < 0) firstAudioNanos = now;
            if (sampleRate != 0 && sampleRate != chunk.sampleRate()) {
                throw new IllegalArgumentException("audio chunk at " + chunk.sampleRate() + " Hz after chunks at " + sampleRate + " Hz");
            }
            sampleRate = chunk.sampleRate();
            audioSamples += chunk.samples().length;
        }
    }

    @Override public void onFinished() { end(); }

    @Override public void onCancelled() { end(); }

    @Override public void onFailed(Throwable error) { end(); }

    private void end() {
        long now = clock.getAsLong();
        synchronized (this) {
            if (endNanos < 0) endNanos = now;
        }
    }

    /** The metrics as of now. */
    public SynthesisMetrics snapshot() {
        long now = clock.getAsLong();
        synchronized (this) {
            boolean done = endNanos >= 0;
            double wall = ((done ? endNanos : now) - requestStartNanos) / 1e9;
            double audio = sampleRate == 0 ? 0 : audioSamples / (double) sampleRate;
            double firstAudio = firstAudioNanos < 0 ? Double.NaN : (firstAudioNanos - requestStartNanos) / 1e9;

            Map<Stage, StageMetrics> stages = new EnumMap<>(Stage.class);
            List<TimelineSpan> timeline = new ArrayList<>(events.size());
            for (StageEvent e : events) {
                StageMetrics m = stages.get(e.stage());
                stages.put(e.stage(), m == null
                        ? new StageMetrics(e.stage(), 1, e.items(), e.seconds(), e.audioSeconds())
                        : new StageMetrics(e.stage(), m.chunks() + 1, m.items() + e.items(), m.busySeconds() + e.seconds(),
                                m.audioSeconds() + e.audioSeconds()));
                timeline.add(TimelineSpan.of(e, requestStartNanos));
            }
            return new SynthesisMetrics(wall, audio, firstAudio, stages, timeline, done);
        }
    }
}
