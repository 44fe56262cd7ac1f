package org.voicestudio.app.ui.view;

import javafx.beans.Observable;
import javafx.scene.Cursor;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.text.Font;
import org.voicestudio.app.ui.audio.AudioBuffer;
import org.voicestudio.app.ui.audio.PlaybackViewModel;

/**
 * The waveform of what the player holds, with a time ruler, the selection and the playhead. Click
 * to move the playhead, drag to select, scroll to zoom around the pointer (shift+scroll pans),
 * double-click to see everything.
 */
public final class WaveformView extends CanvasPane {
    private static final double RULER = 18;

    private final PlaybackViewModel playback;
    private final TimeRange range;
    private float[] samples = new float[0];
    private AudioBuffer cachedFor;
    private double pressX = Double.NaN;
    private boolean dragging;

    public WaveformView(PlaybackViewModel playback, TimeRange range, Observable audioGrew) {
        this.playback = playback;
        this.range = range;
        getStyleClass().add("waveform");
        setMinHeight(90);
        setCursor(Cursor.TEXT);
        playback.sourceProperty().addListener(o -> refreshSamples());
        audioGrew.addListener(o -> refreshSamples());
        for (Observable p : new Observable[] {playback.playheadProperty(), playback.selectionStartProperty(),
                playback.selectionEndProperty(), range.startProperty(), range.endProperty()}) {
            p.addListener(o -> requestRedraw());
        }
        addEventHandler(MouseEvent.MOUSE_PRESSED, this::pressed);
        addEventHandler(MouseEvent.MOUSE_DRAGGED, this::dragged);
        addEventHandler(MouseEvent.MOUSE_RELEASED, this::released);
        addEventHandler(ScrollEvent.SCROLL, this::scrolled);
    }

    private void refreshSamples() {
        AudioBuffer b = playback.sourceProperty().get();
        samples = b == null ? new float[0] : b.toArray();
        cachedFor = b;
        range.setLength(b == null ? 0 : b.seconds());
        requestRedraw();
    }

    private void pressed(MouseEvent e) {
        if (e.getButton() != MouseButton.PRIMARY) return;
        if (e.getClickCount() == 2) { range.fit(); playback.clearSelection(); return; }
        pressX = e.getX();
        dragging = false;
    }

    private void dragged(MouseEvent e) {
        if (Double.isNaN(pressX)) return;
        if (Math.abs(e.getX() - pressX) > 3) dragging = true;
        if (dragging) {
            double w = getWidth();
            playback.select(clampTime(range.toSeconds(pressX, w)), clampTime(range.toSeconds(e.getX(), w)));
        }
    }

    private void released(MouseEvent e) {
        if (Double.isNaN(pressX)) return;
        if (!dragging) {
            playback.clearSelection();
            playback.seek(clampTime(range.toSeconds(e.getX(), getWidth())));
        }
        pressX = Double.NaN;
    }

    private double clampTime(double t) {
        return Math.max(0, Math.min(t, range.lengthProperty().get()));
    }

    private void scrolled(ScrollEvent e) {
        double dy = e.getDeltaY() != 0 ? e.getDeltaY() : e.getDeltaX();
        if (dy == 0) return;
        if (e.isShiftDown()) range.pan(-dy / 400 * range.span());
        else range.zoom(dy > 0 ? 0.8 : 1.25, range.toSeconds(e.getX(), getWidth()));
        e.consume();
    }

    @Override
    protected void draw(GraphicsContext g, double w, double h) {
        g.setFill(Palette.PLOT_BG);
        g.fillRect(0, 0, w, h);
        Ruler.draw(g, range, w, RULER);
        double top = RULER, mid = top + (h - top) / 2, amp = (h - top) / 2 - 4;
        g.setStroke(Palette.GRID);
        g.setLineWidth(1);
        g.strokeLine(0, mid + 0.5, w, mid + 0.5);

        double selA = playback.selectionStartProperty().get(), selB = playback.selectionEndProperty().get();
        if (!Double.isNaN(selA)) {
            double x0 = range.toX(selA, w), x1 = range.toX(selB, w);
            g.setFill(Palette.SELECTION);
            g.fillRect(x0, top, Math.max(1, x1 - x0), h - top);
        }

        if (cachedFor != null && samples.length > 0) {
            int sr = cachedFor.sampleRate();
            double s0 = range.startProperty().get() * sr, perPx = range.span() * sr / w;
            g.setStroke(Palette.WAVE);
            for (int x = 0; x < (int) w; x++) {
                int a = (int) Math.floor(s0 + x * perPx), b = (int) Math.floor(s0 + (x + 1) * perPx);
                if (a >= samples.length) break;
                b = Math.min(Math.max(b, a + 1), samples.length);
                float lo = samples[Math.max(a, 0)], hi = lo;
                for (int i = Math.max(a, 0); i < b; i++) { float v = samples[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
                boolean inSel = !Double.isNaN(selA) && (x >= range.toX(selA, w) && x <= range.toX(selB, w));
                g.setStroke(Double.isNaN(selA) || inSel ? Palette.WAVE : Palette.WAVE_DIM);
                g.strokeLine(x + 0.5, mid - hi * amp, x + 0.5, mid - lo * amp + 0.5);
            }
        } else {
            g.setFill(Palette.AXIS_TEXT);
            g.setFont(Font.font(12));
            g.fillText("No audio yet: type text and press Synthesize", 12, mid - 6);
        }

        double ph = range.toX(playback.playheadProperty().get(), w);
        if (ph >= 0 && ph <= w) {
            g.setStroke(Palette.PLAYHEAD);
            g.setLineWidth(1.5);
            g.strokeLine(ph, 0, ph, h);
            g.setFill(Palette.PLAYHEAD);
            g.fillPolygon(new double[] {ph - 5, ph + 5, ph}, new double[] {0, 0, 7}, 3);
        }
    }
}
