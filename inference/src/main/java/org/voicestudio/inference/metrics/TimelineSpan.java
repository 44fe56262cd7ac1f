package org.voicestudio.inference.metrics;

import org.voicestudio.inference.engine.Stage;

/**
 * One bar of the chunk timeline: a stage working on a chunk, in seconds since the request started.
 */
public record TimelineSpan(Stage stage, int chunk, double startSeconds, double endSeconds, int items, double audioSeconds) {
    public double seconds() { return endSeconds - startSeconds; }

    static TimelineSpan of(StageEvent e, long requestStartNanos) {
        return new TimelineSpan(e.stage(), e.chunk(), (e.startNanos() - requestStartNanos) / 1e9,
                (e.endNanos() - requestStartNanos) / 1e9, e.items(), e.audioSeconds());
    }
}
