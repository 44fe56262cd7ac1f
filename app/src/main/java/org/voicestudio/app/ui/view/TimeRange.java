package org.voicestudio.app.ui.view;

import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleDoubleProperty;

/**
 * The visible span of time the waveform, spectrogram and pitch plots share, so zooming one zooms
 * all. {@code length} is the audio's duration; {@code start..end} the window onto it.
 */
public final class TimeRange {
    private static final double MIN_SPAN = 0.02; // 20 ms: a few pitch periods

    private final DoubleProperty start = new SimpleDoubleProperty(0);
    private final DoubleProperty end = new SimpleDoubleProperty(1);
    private final DoubleProperty length = new SimpleDoubleProperty(0);
    private boolean fitted = true;

    public DoubleProperty startProperty() { return start; }

    public DoubleProperty endProperty() { return end; }

    public DoubleProperty lengthProperty() { return length; }

    public double span() { return end.get() - start.get(); }

    /** The audio grew or changed; a fitted view keeps showing all of it. */
    public void setLength(double seconds) {
        length.set(Math.max(seconds, 0));
        if (fitted) fit();
        else clamp(start.get(), end.get());
    }

    public void fit() {
        fitted = true;
        start.set(0);
        end.set(Math.max(length.get(), 0.5));
    }

    /** Zooms by {@code factor} (< 1 = in) keeping {@code anchor} seconds where it is on screen. */
    public void zoom(double factor, double anchor) {
        double s = start.get(), e = end.get();
        double span = Math.max(MIN_SPAN, (e - s) * factor);
        double full = Math.max(length.get(), 0.5);
        if (span >= full) { fit(); return; }
        fitted = false;
        double rel = (anchor - s) / (e - s);
        clamp(anchor - rel * span, anchor - rel * span + span);
    }

    public void pan(double seconds) {
        if (fitted) return;
        clamp(start.get() + seconds, end.get() + seconds);
    }

    private void clamp(double s, double e) {
        double span = e - s, full = Math.max(length.get(), 0.5);
        if (s < 0) { s = 0; e = span; }
        if (e > full) { e = full; s = Math.max(0, full - span); }
        start.set(s);
        end.set(e);
    }

    public double toX(double seconds, double width) { return (seconds - start.get()) / span() * width; }

    public double toSeconds(double x, double width) { return start.get() + x / width * span(); }
}
