package org.voicestudio.app.ui.view;

import javafx.collections.ListChangeListener;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import org.voicestudio.app.ui.metrics.MetricsViewModel;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;

/**
 * When each stage worked on which chunk: one row per stage, one bar per chunk from its start to its
 * end on the synthesis' wall clock. Bars appear while synthesis runs; overlapping bars in different
 * rows are the streaming pipeline working in parallel.
 */
public final class TimelineView extends CanvasPane {
    private static final double LABEL_W = 64, RULER = 16;

    private final MetricsViewModel metrics;

    public TimelineView(MetricsViewModel metrics) {
        this.metrics = metrics;
        getStyleClass().add("timeline");
        setMinHeight(80);
        metrics.timeline().addListener((ListChangeListener<StageEvent>) c -> requestRedraw());
        metrics.timelineStartNanosProperty().addListener(o -> requestRedraw());
        metrics.snapshotProperty().addListener(o -> requestRedraw());
    }

    @Override
    protected void draw(GraphicsContext g, double w, double h) {
        g.setFill(Palette.PLOT_BG);
        g.fillRect(0, 0, w, h);
        long t0 = metrics.timelineStartNanosProperty().get();
        double wall = Math.max(metrics.snapshot().wallSeconds(), 0.001);
        for (StageEvent e : metrics.timeline()) wall = Math.max(wall, (e.endNanos() - t0) / 1e9);
        // an empty timeline shows a plain 10 s scale rather than a zoom onto nothing
        double span = metrics.timeline().isEmpty() ? 10 : niceCeil(wall * 1.05);
        double plotW = w - LABEL_W - 28; // room for the last tick's label
        double rowH = (h - RULER) / Stage.values().length;

        // ruler
        g.setFont(Font.font("Monospaced", 10));
        g.setStroke(Palette.GRID);
        g.setFill(Palette.AXIS_TEXT);
        double step = Ruler.niceStep(span, plotW);
        for (double t = 0; t <= span + 1e-9; t += step) {
            double x = Math.round(LABEL_W + t / span * plotW) + 0.5;
            g.strokeLine(x, RULER, x, h);
            g.fillText(Ruler.format(t, step), x + 3, RULER - 4);
        }

        for (Stage s : Stage.values()) {
            double y = RULER + s.ordinal() * rowH;
            g.setFill(Palette.stage(s));
            g.setFont(Font.font(null, FontWeight.BOLD, 11));
            g.fillText(s.label(), 8, y + rowH / 2 + 4);
        }
        for (StageEvent e : metrics.timeline()) {
            double y = RULER + e.stage().ordinal() * rowH;
            double x0 = LABEL_W + (e.startNanos() - t0) / 1e9 / span * plotW;
            double x1 = LABEL_W + (e.endNanos() - t0) / 1e9 / span * plotW;
            g.setFill(Palette.stage(e.stage()).deriveColor(0, 1, 1, 0.85));
            g.fillRoundRect(x0, y + 4, Math.max(2, x1 - x0), rowH - 8, 4, 4);
            if (x1 - x0 > 18) {
                g.setFill(Palette.PLOT_BG);
                g.setFont(Font.font("Monospaced", FontWeight.BOLD, 10));
                g.fillText(Integer.toString(e.chunk()), x0 + 4, y + rowH / 2 + 4);
            }
        }
        if (metrics.timeline().isEmpty()) {
            g.setFill(Palette.AXIS_TEXT);
            g.setFont(Font.font(12));
            g.fillText("Each stage's work per chunk appears here while synthesis runs", LABEL_W, RULER + rowH * 1.5 + 4);
        }
    }

    private static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) if (m * p >= v) return m * p;
        return 10 * p;
    }
}
