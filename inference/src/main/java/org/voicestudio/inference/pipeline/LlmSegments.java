package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;

import java.util.function.Consumer;

/**
 * Folds the LLM's per-step events into one event per scheduler segment, so the timeline has one
 * LLM bar per chunk like flow and vocoder: segment k ends when the tokens for streaming chunk k are
 * all there ({@link StreamSchedule#tokensNeeded}); the last segment runs to the end of generation.
 * Non-streaming synthesis has one segment. The folded event spans the first step's start to the
 * last step's end and sums items and audio seconds. Used by the LLM thread only.
 */
final class LlmSegments {
    private final StreamSchedule schedule;
    private final Consumer<StageEvent> out;
    private StreamSchedule.State state;
    private int boundary;

    private int chunk;
    private int boundaries;   // streaming chunk boundaries the tokens have reached
    private int steps;
    private long start, end;
    private int items;
    private double audioSeconds;

    LlmSegments(StreamSchedule schedule, boolean stream, Consumer<StageEvent> out) {
        this.schedule = schedule;
        this.out = out;
        this.state = schedule.initial();
        this.boundary = stream ? schedule.tokensNeeded(state) : Integer.MAX_VALUE;
    }

    /** One decode step's event, in order. */
    void step(StageEvent e) {
        if (e.stage() != Stage.LLM) throw new IllegalArgumentException("LLM segment got a " + e.stage() + " event");
        if (steps++ == 0) start = e.startNanos();
        end = e.endNanos();
        items += e.items();
        audioSeconds += e.audioSeconds();
    }

    /** The token buffer now holds {@code forwarded} tokens (called after each forwarded token). */
    void forwarded(int forwarded) {
        if (forwarded < boundary) return;
        flush();
        boundaries++;
        state = ((StreamSchedule.Run) schedule.next(state, boundary, false)).next();
        boundary = schedule.tokensNeeded(state);
    }

    /** How many streaming chunks have all their tokens (chunk k can run once this exceeds k). */
    int boundariesPassed() { return boundaries; }

    /** Generation ended: report what is left. */
    void finish() {
        if (steps > 0) flush();
    }

    private void flush() {
        out.accept(new StageEvent(Stage.LLM, chunk++, start, end, items, audioSeconds));
        steps = items = 0;
        audioSeconds = 0;
    }
}
