package org.voicestudio.app.ui.view;

import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Region;

/**
 * A region that owns a canvas the size of itself and redraws it when resized or asked to; the
 * studio's plots (waveform, spectrogram, pitch, timeline) are drawn this way rather than as scene
 * nodes, so tens of thousands of samples cost one pass of drawing.
 */
public abstract class CanvasPane extends Region {
    protected final Canvas canvas = new Canvas();
    private boolean redrawQueued;

    protected CanvasPane() {
        getChildren().add(canvas);
        getStyleClass().add("plot");
    }

    @Override
    protected void layoutChildren() {
        double w = snapSizeX(getWidth()), h = snapSizeY(getHeight());
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            canvas.setWidth(w);
            canvas.setHeight(h);
            redraw();
        }
    }

    /** Redraws on the next pulse; many requests in one pulse draw once. */
    public final void requestRedraw() {
        if (redrawQueued) return;
        redrawQueued = true;
        javafx.application.Platform.runLater(() -> {
            redrawQueued = false;
            redraw();
        });
    }

    public final void redraw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth(), h = canvas.getHeight();
        g.clearRect(0, 0, w, h);
        if (w > 0 && h > 0) draw(g, w, h);
    }

    protected abstract void draw(GraphicsContext g, double w, double h);
}
