package org.voicestudio.app.ui.view;

import javafx.beans.Observable;
import javafx.beans.value.ObservableDoubleValue;
import javafx.beans.value.ObservableValue;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.text.Font;
import org.voicestudio.app.ui.audio.AnalysisViewModel;
import org.voicestudio.app.ui.audio.Spectrogram;

/** The spectrogram of the audio on show, 0–{@link #MAX_HZ} Hz, aligned in time with the waveform. */
public final class SpectrogramView extends CanvasPane {
    /** Speech energy above 8 kHz is faint; showing 0–8 kHz gives formants room. */
    static final double MAX_HZ = 8000;

    private final TimeRange range;
    private final ObservableDoubleValue playhead;
    private WritableImage image;
    private Spectrogram shown;

    public SpectrogramView(ObservableValue<AnalysisViewModel.Result> analysis, TimeRange range, ObservableDoubleValue playhead) {
        this.range = range;
        this.playhead = playhead;
        getStyleClass().add("spectrogram");
        setMinHeight(70);
        analysis.addListener((o, old, r) -> { build(r == null ? null : r.spectrogram()); requestRedraw(); });
        for (Observable p : new Observable[] {range.startProperty(), range.endProperty(), playhead}) p.addListener(o -> requestRedraw());
    }

    private void build(Spectrogram s) {
        shown = s;
        if (s == null || s.frames() == 0) { image = null; return; }
        int rows = (int) Math.min(s.bins(), Math.ceil(MAX_HZ / s.binHz(1)));
        int[] argb = new int[s.frames() * rows];
        float floor = Spectrogram.FLOOR_DB;
        for (int f = 0; f < s.frames(); f++) {
            for (int k = 0; k < rows; k++) {
                double t = (s.relativeDb(f, k) - floor) / -floor;
                argb[(rows - 1 - k) * s.frames() + f] = Palette.heat(t);
            }
        }
        image = new WritableImage(s.frames(), rows);
        image.getPixelWriter().setPixels(0, 0, s.frames(), rows, PixelFormat.getIntArgbInstance(), argb, 0, s.frames());
    }

    @Override
    protected void draw(GraphicsContext g, double w, double h) {
        g.setFill(Palette.PLOT_BG);
        g.fillRect(0, 0, w, h);
        if (image != null && shown != null) {
            double secondsPerFrame = shown.hop() / (double) shown.sampleRate();
            double f0 = range.startProperty().get() / secondsPerFrame, f1 = range.endProperty().get() / secondsPerFrame;
            double srcW = Math.min(f1, image.getWidth()) - f0;
            if (srcW > 0) {
                double dstW = srcW / (f1 - f0) * w;
                g.setImageSmoothing(true);
                g.drawImage(image, f0, 0, srcW, image.getHeight(), 0, 0, dstW, h);
            }
        }
        g.setFill(Palette.AXIS_TEXT);
        g.setFont(Font.font("Monospaced", 10));
        for (double hz : new double[] {2000, 4000, 6000}) {
            double y = h - hz / MAX_HZ * h;
            g.setFill(Palette.PLOT_BG.deriveColor(0, 1, 1, 0.75));
            g.fillRect(2, y - 7, 24, 13);
            g.setFill(Palette.AXIS_TEXT);
            g.fillText((int) (hz / 1000) + "k", 6, y + 4);
        }
        double ph = range.toX(playhead.get(), w);
        if (ph >= 0 && ph <= w) {
            g.setStroke(Palette.PLAYHEAD);
            g.setLineWidth(1);
            g.strokeLine(ph, 0, ph, h);
        }
    }
}
