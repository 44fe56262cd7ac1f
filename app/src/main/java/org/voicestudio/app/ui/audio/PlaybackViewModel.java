package org.voicestudio.app.ui.audio;

import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * Transport of the studio: what is loaded, play/pause, the playhead and the selection the
 * waveform shows, and whether a device exists. Wraps a {@link Player}; FX thread only.
 */
public final class PlaybackViewModel implements AutoCloseable {
    private final Player player;
    private final ObjectProperty<AudioBuffer> source = new SimpleObjectProperty<>();
    private final ReadOnlyBooleanWrapper playing = new ReadOnlyBooleanWrapper();
    private final DoubleProperty playhead = new SimpleDoubleProperty();
    private final DoubleProperty selectionStart = new SimpleDoubleProperty(Double.NaN);
    private final DoubleProperty selectionEnd = new SimpleDoubleProperty(Double.NaN);
    private final ReadOnlyStringWrapper deviceProblem = new ReadOnlyStringWrapper();
    private final AnimationTimer follow = new AnimationTimer() {
        @Override
        public void handle(long now) { refresh(); }
    };
    private boolean followRunning;

    public PlaybackViewModel(Player player, int probeSampleRate) {
        this.player = player;
        player.probe(probeSampleRate).ifPresent(deviceProblem::set);
        player.onStateChange(() -> Platform.runLater(this::refresh));
        source.addListener((obs, old, now) -> player.setSource(now));
    }

    private void refresh() {
        playing.set(player.isPlaying());
        playhead.set(player.positionSeconds());
        deviceProblem.set(player.deviceProblem().orElse(null));
        if (player.isPlaying() && !followRunning) { follow.start(); followRunning = true; }
        if (!player.isPlaying() && followRunning) { follow.stop(); followRunning = false; }
    }

    public void play() {
        if (source.get() == null) return;
        // a selection plays from its start
        if (!Double.isNaN(selectionStart.get()) && (playhead.get() < selectionStart.get() || playhead.get() >= selectionEnd.get())) {
            seek(selectionStart.get());
        }
        player.play();
        refresh();
    }

    public void pause() {
        player.pause();
        refresh();
    }

    public void togglePlay() {
        if (player.isPlaying()) pause(); else play();
    }

    /** Moves the playhead (a click on the waveform). */
    public void seek(double seconds) {
        player.seek(seconds);
        playhead.set(Math.max(0, seconds));
    }

    public void select(double from, double to) {
        selectionStart.set(Math.min(from, to));
        selectionEnd.set(Math.max(from, to));
    }

    public void clearSelection() {
        selectionStart.set(Double.NaN);
        selectionEnd.set(Double.NaN);
    }

    public ObjectProperty<AudioBuffer> sourceProperty() { return source; }

    public ReadOnlyBooleanProperty playingProperty() { return playing.getReadOnlyProperty(); }

    /** Seconds; updated every frame while playing. Set it through {@link #seek}. */
    public DoubleProperty playheadProperty() { return playhead; }

    public DoubleProperty selectionStartProperty() { return selectionStart; }

    public DoubleProperty selectionEndProperty() { return selectionEnd; }

    /** Null when sound works; else a sentence for the status bar. */
    public ReadOnlyStringProperty deviceProblemProperty() { return deviceProblem.getReadOnlyProperty(); }

    @Override
    public void close() {
        follow.stop();
        player.close();
    }
}
