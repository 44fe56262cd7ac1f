package org.voicestudio.app.ui.view;

import javafx.scene.paint.Color;
import org.voicestudio.inference.engine.Stage;

/** Colours the canvases share with studio.css (keep the two in step). */
public final class Palette {
    private Palette() {}

    public static final Color PLOT_BG = Color.web("#101318");
    public static final Color GRID = Color.web("#232833");
    public static final Color AXIS_TEXT = Color.web("#7d8799");
    public static final Color WAVE = Color.web("#4fd1c5");
    public static final Color WAVE_DIM = Color.web("#2a6f69");
    public static final Color SELECTION = Color.web("#4fd1c5", 0.16);
    public static final Color PLAYHEAD = Color.web("#ffb547");
    public static final Color PITCH = Color.web("#f472b6");

    public static Color stage(Stage s) {
        return switch (s) {
            case LLM -> Color.web("#a78bfa");
            case FLOW -> Color.web("#38bdf8");
            case VOCODER -> Color.web("#34d399");
        };
    }

    /** "Inferno"-like ramp for the spectrogram, from black through purple and orange to pale yellow. */
    public static int heat(double t) {
        t = Math.max(0, Math.min(1, t));
        double[][] stops = {{0, 0, 0, 4}, {0.25, 87, 16, 110}, {0.5, 188, 55, 84}, {0.75, 249, 142, 9}, {1, 252, 255, 164}};
        for (int i = 1; i < stops.length; i++) {
            if (t <= stops[i][0]) {
                double u = (t - stops[i - 1][0]) / (stops[i][0] - stops[i - 1][0]);
                int r = (int) (stops[i - 1][1] + u * (stops[i][1] - stops[i - 1][1]));
                int g = (int) (stops[i - 1][2] + u * (stops[i][2] - stops[i - 1][2]));
                int b = (int) (stops[i - 1][3] + u * (stops[i][3] - stops[i - 1][3]));
                return 0xff000000 | r << 16 | g << 8 | b;
            }
        }
        return 0xfffcffa4;
    }
}
