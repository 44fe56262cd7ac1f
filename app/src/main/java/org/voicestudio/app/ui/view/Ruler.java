package org.voicestudio.app.ui.view;

import javafx.scene.canvas.GraphicsContext;
import javafx.scene.text.Font;

/** A time ruler with "nice" tick steps (…, 0.1, 0.2, 0.5, 1, 2, 5 s …) for the visible span. */
final class Ruler {
    private Ruler() {}

    static double niceStep(double span, double width) {
        double target = span / Math.max(1, width / 90); // a label every ~90 px
        double p = Math.pow(10, Math.floor(Math.log10(target)));
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= target) return m * p;
        return 10 * p;
    }

    static void draw(GraphicsContext g, TimeRange range, double w, double height) {
        double step = niceStep(range.span(), w);
        g.setFill(Palette.AXIS_TEXT);
        g.setStroke(Palette.GRID);
        g.setLineWidth(1);
        g.setFont(Font.font("Monospaced", 10));
        g.strokeLine(0, height - 0.5, w, height - 0.5);
        for (double t = Math.ceil(range.startProperty().get() / step) * step; t <= range.endProperty().get(); t += step) {
            double x = Math.round(range.toX(t, w)) + 0.5;
            g.strokeLine(x, height - 5, x, height);
            g.fillText(format(t, step), x + 3, height - 6);
        }
    }

    static String format(double t, double step) {
        return step >= 1 ? String.format("%.0fs", t) : step >= 0.1 ? String.format("%.1fs", t)
                : step >= 0.01 ? String.format("%.2fs", t) : String.format("%.3fs", t);
    }
}
