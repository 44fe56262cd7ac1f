package org.voicestudio.app.ui.audio;

import javafx.application.Platform;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;

import java.util.concurrent.Executor;

/**
 * Spectrogram and pitch contour of the audio on show, computed on the studio's executor. While a
 * synthesis streams, requests arrive with every chunk; at most one computation runs and the latest
 * request is done next, so the plots keep up without queueing stale work. FX thread only.
 */
public final class AnalysisViewModel {
    /** Spectrogram: 1024-point FFT (42.7 ms at 24 kHz), hop 256 (10.7 ms). */
    public static final int N_FFT = 1024, SPEC_HOP = 256;
    /** YIN: 1024-sample window (lowest pitch ~47 Hz at 24 kHz), hop 240 (10 ms). */
    public static final int YIN_WINDOW = 1024, YIN_HOP = 240;

    public record Result(AudioBuffer source, int length, Spectrogram spectrogram, PitchContour pitch) {}

    private final Executor executor;
    private final ReadOnlyObjectWrapper<Result> result = new ReadOnlyObjectWrapper<>();
    private boolean running;
    private AudioBuffer pending;
    private boolean hasPending;

    public AnalysisViewModel(Executor executor) {
        this.executor = executor;
    }

    /** Analyse {@code buffer} as it is now (null clears). */
    public void request(AudioBuffer buffer) {
        if (running) { pending = buffer; hasPending = true; return; }
        if (buffer == null) { result.set(null); return; }
        Result current = result.get();
        if (current != null && current.source() == buffer && current.length() == buffer.length()) return;
        running = true;
        try {
            executor.execute(() -> {
            Result r = null;
            try {
                float[] s = buffer.toArray();
                // the same growing buffer: only the frames of the new audio are computed
                boolean grow = current != null && current.source() == buffer && current.length() <= s.length;
                r = new Result(buffer, s.length,
                        grow ? current.spectrogram().extend(s, s.length) : Spectrogram.of(s, s.length, buffer.sampleRate(), N_FFT, SPEC_HOP),
                        grow ? current.pitch().extend(s, s.length) : PitchContour.of(s, s.length, buffer.sampleRate(), YIN_WINDOW, YIN_HOP));
            } finally {
                Result done = r;
                Platform.runLater(() -> {
                    running = false;
                    if (done != null) result.set(done);
                    if (hasPending) { hasPending = false; AudioBuffer next = pending; pending = null; request(next); }
                });
            }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            running = false; // the studio is shutting down: nothing left to show
        }
    }

    public ReadOnlyObjectProperty<Result> resultProperty() { return result.getReadOnlyProperty(); }
}
