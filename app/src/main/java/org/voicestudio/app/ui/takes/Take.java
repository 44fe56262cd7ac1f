package org.voicestudio.app.ui.takes;

import org.voicestudio.app.ui.audio.AudioBuffer;
import org.voicestudio.app.ui.metrics.LiveMetrics;
import org.voicestudio.app.ui.synthesis.TakeRequest;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One synthesis kept in the history: what was asked, what came out, how fast.
 *
 * @param number     1, 2, ... in the order takes were made
 * @param complete   false if the synthesis was cancelled part way (its audio is what arrived)
 * @param startNanos the synthesis' start on the {@link StageEvent} clock (left edge of its timeline)
 * @param sentences  where each sentence's audio lies, for regenerating one of them
 * @param note       how the take came about when not from the editor ("sentence 2 of Take 1 regenerated"), or ""
 */
public record Take(int number, TakeRequest request, String voiceName, AudioBuffer audio,
                   LiveMetrics.Snapshot metrics, List<StageEvent> timeline, long startNanos,
                   boolean complete, Instant created, List<Segment> sentences, String note) {
    public Take {
        timeline = List.copyOf(timeline);
        sentences = List.copyOf(sentences);
    }

    /** One sentence of the take: its text and samples {@code [from, to)}. */
    public record Segment(String text, int from, int to) {}

    public String title() { return "Take " + number + (complete ? "" : " (cancelled)"); }

    /** The text as spoken: the sentences joined, or the request's text. */
    public String text() {
        return sentences.isEmpty() ? request.text() : sentences.stream().map(Segment::text).collect(Collectors.joining(" "));
    }

    /** "djl / djl / cuda" in stage order. */
    public String enginesLabel() {
        return java.util.Arrays.stream(Stage.values()).map(s -> request.engines().get(s)).collect(Collectors.joining(" / "));
    }

    public double seconds() { return audio.seconds(); }
}
