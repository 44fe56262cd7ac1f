package org.voicestudio.app.ui.metrics;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.voicestudio.inference.metrics.StageEvent;

import java.util.List;

/**
 * What the metrics panel and the chunk timeline show: either the synthesis running now (updated in
 * coalesced batches) or the take picked in the history. FX thread only.
 */
public final class MetricsViewModel {
    private final ReadOnlyObjectWrapper<LiveMetrics.Snapshot> snapshot = new ReadOnlyObjectWrapper<>(LiveMetrics.Snapshot.EMPTY);
    private final ObservableList<StageEvent> timeline = FXCollections.observableArrayList();
    private final ObjectProperty<Long> timelineStartNanos = new SimpleObjectProperty<>(0L);
    private final ObjectProperty<String> caption = new SimpleObjectProperty<>("No synthesis yet");
    private LiveMetrics live;

    public ReadOnlyObjectProperty<LiveMetrics.Snapshot> snapshotProperty() { return snapshot.getReadOnlyProperty(); }

    public LiveMetrics.Snapshot snapshot() { return snapshot.get(); }

    /** Events of the shown synthesis in arrival order; the timeline draws one bar per event. */
    public ObservableList<StageEvent> timeline() { return timeline; }

    /** Nanos of the shown synthesis' start: the left edge of the timeline. */
    public ObjectProperty<Long> timelineStartNanosProperty() { return timelineStartNanos; }

    public ObjectProperty<String> captionProperty() { return caption; }

    /** A synthesis starts now: clear and follow it. */
    public void startLive(long startNanos) {
        live = new LiveMetrics(startNanos);
        timeline.clear();
        timelineStartNanos.set(startNanos);
        snapshot.set(live.snapshot());
        caption.set("Synthesizing…");
    }

    /** Applies one batch of what the pipeline reported since the last batch. */
    public void applyLive(List<StageEvent> events, List<LiveMetrics.AudioArrival> arrivals, long nowNanos) {
        if (live == null) return;
        for (StageEvent e : events) live.stageEvent(e);
        for (LiveMetrics.AudioArrival a : arrivals) live.audio(a.seconds(), a.nanos());
        live.tick(nowNanos);
        timeline.addAll(events);
        snapshot.set(live.snapshot());
    }

    /** The live synthesis ended at {@code endNanos}; returns its final metrics and events. */
    public LiveMetrics finishLive(String outcome, long endNanos) {
        LiveMetrics done = live;
        done.end(endNanos);
        snapshot.set(done.snapshot());
        live = null;
        caption.set(outcome);
        return done;
    }

    public boolean isLive() { return live != null; }

    /** Show a finished take's metrics and timeline (not while a synthesis runs). */
    public void show(LiveMetrics.Snapshot metrics, List<StageEvent> events, long startNanos, String what) {
        if (live != null) return;
        timeline.setAll(events);
        timelineStartNanos.set(startNanos);
        snapshot.set(metrics);
        caption.set(what);
    }
}
