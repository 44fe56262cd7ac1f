package org.voicestudio.app.ui.view;

import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.voicestudio.app.ui.metrics.LiveMetrics;
import org.voicestudio.app.ui.metrics.MetricsViewModel;
import org.voicestudio.inference.engine.Stage;

import java.util.EnumMap;
import java.util.Map;

/**
 * Per-stage RTF (LLM, Flow, Vocoder), end-to-end RTF, first-audio latency and LLM tokens/s as large
 * numbers; an RTF under 1 (faster than real time) shows green, over 1 red.
 */
public final class MetricsView extends VBox {
    private final Map<Stage, Label> stageRtf = new EnumMap<>(Stage.class);
    private final Label e2e = value("e2e"), firstAudio = value("first-audio"), tokens = value("tokens-per-second");
    private final Label caption = new Label();

    public MetricsView(MetricsViewModel vm) {
        getStyleClass().addAll("panel", "metrics");
        Label title = new Label("Real-time factor");
        title.getStyleClass().add("panel-title");
        caption.getStyleClass().add("caption");
        caption.textProperty().bind(vm.captionProperty());

        GridPane grid = new GridPane();
        grid.getStyleClass().add("metric-grid");
        grid.setHgap(8);
        grid.setVgap(8);
        for (int i = 0; i < 3; i++) {
            ColumnConstraints c = new ColumnConstraints();
            c.setPercentWidth(100 / 3.0);
            c.setHgrow(Priority.ALWAYS);
            grid.getColumnConstraints().add(c);
        }
        for (Stage s : Stage.values()) {
            Label v = value("rtf-" + s.name().toLowerCase());
            stageRtf.put(s, v);
            grid.add(tile(s.label(), v, "stage-" + s.name().toLowerCase(),
                    "Time the " + s.label() + " stage was busy ÷ seconds of audio it produced"), s.ordinal(), 0);
        }
        grid.add(tile("End to end", e2e, "e2e", "Wall time from the start of synthesis (engines loaded) to the last chunk ÷ seconds of audio"), 0, 1);
        grid.add(tile("First audio, ms", firstAudio, "latency", "From the start of synthesis to the first playable chunk"), 1, 1);
        grid.add(tile("Tokens/s", tokens, "tokens", "Speech tokens the LLM produced per second of its busy time (25 tokens = 1 s of speech)"), 2, 1);

        setSpacing(8);
        setPadding(new Insets(12));
        getChildren().addAll(title, grid, caption);
        vm.snapshotProperty().addListener((o, old, now) -> show(now));
        show(vm.snapshot());
    }

    private static Label value(String id) {
        Label l = new Label("—");
        l.setId("metric-" + id);
        l.getStyleClass().add("metric-value");
        return l;
    }

    private static VBox tile(String name, Label value, String styleClass, String help) {
        Label n = new Label(name);
        n.getStyleClass().add("metric-name");
        VBox box = new VBox(2, n, value);
        box.getStyleClass().addAll("metric-tile", styleClass);
        Tooltip.install(box, new Tooltip(help));
        return box;
    }

    private void show(LiveMetrics.Snapshot s) {
        for (Stage st : Stage.values()) rtf(stageRtf.get(st), s.rtf(st));
        rtf(e2e, s.endToEndRtf());
        firstAudio.setText(Double.isNaN(s.firstAudioSeconds()) ? "—" : String.format("%.0f", s.firstAudioSeconds() * 1000));
        tokens.setText(Double.isNaN(s.tokensPerSecond()) ? "—" : String.format("%.0f", s.tokensPerSecond()));
    }

    private static void rtf(Label l, double v) {
        l.getStyleClass().removeAll("fast", "slow");
        if (Double.isNaN(v)) { l.setText("—"); return; }
        l.setText(v < 10 ? String.format("%.3f", v) : String.format("%.1f", v));
        l.getStyleClass().add(v < 1 ? "fast" : "slow");
    }
}
