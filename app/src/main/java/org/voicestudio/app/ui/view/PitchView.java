package org.voicestudio.app.ui.view;

import javafx.beans.Observable;
import javafx.beans.value.ObservableDoubleValue;
import javafx.beans.value.ObservableValue;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.text.Font;
import org.voicestudio.app.ui.audio.AnalysisViewModel;
import org.voicestudio.app.ui.audio.PitchContour;

/** The pitch contour (YIN) on a log-frequency axis from {@link #LOW_HZ} to {@link #HIGH_HZ}. */
public final class PitchView extends CanvasPane {
    /** Covers low male to high female/child speaking voices. */
    static final double LOW_HZ = 60, HIGH_HZ = 500;

    private final TimeRange range;
    private final ObservableDoubleValue playhead;
    private PitchContour pitch;

    public PitchView(ObservableValue<AnalysisViewModel.Result> analysis, TimeRange range, ObservableDoubleValue playhead) {
        this.range = range;
        this.playhead = playhead;
        getStyleClass().add("pitch");
        setMinHeight(60);
        analysis.addListener((o, old, r) -> { pitch = r == null ? null : r.pitch(); requestRedraw(); });
        for (Observable p : new Observable[] {range.startProperty(), range.endProperty(), playhead}) p.addListener(o -> requestRedraw());
    }

    private static double y(double hz, double h) {
        return h - (Math.log(hz / LOW_HZ) / Math.log(HIGH_HZ / LOW_HZ)) * (h - 4) - 2;
    }

    @Override
    protected void draw(GraphicsContext g, double w, double h) {
        g.setFill(Palette.PLOT_BG);
        g.fillRect(0, 0, w, h);
        g.setFont(Font.font("Monospaced", 10));
        for (double hz : new double[] {100, 200, 400}) {
            double y = Math.round(y(hz, h)) + 0.5;
            g.setStroke(Palette.GRID);
            g.strokeLine(0, y, w, y);
            g.setFill(Palette.AXIS_TEXT);
            g.fillText((int) hz + " Hz", 4, y - 2);
        }
        if (pitch != null) {
            g.setFill(Palette.PITCH);
            double r = 1.6;
            for (int f = 0; f < pitch.hz().length; f++) {
                float hz = pitch.hz()[f];
                if (Float.isNaN(hz) || hz < LOW_HZ || hz > HIGH_HZ) continue;
                double x = range.toX(pitch.frameSeconds(f), w);
                if (x < -2 || x > w + 2) continue;
                g.fillOval(x - r, y(hz, h) - r, 2 * r, 2 * r);
            }
        }
        double ph = range.toX(playhead.get(), w);
        if (ph >= 0 && ph <= w) {
            g.setStroke(Palette.PLAYHEAD);
            g.setLineWidth(1);
            g.strokeLine(ph, 0, ph, h);
        }
    }
}
