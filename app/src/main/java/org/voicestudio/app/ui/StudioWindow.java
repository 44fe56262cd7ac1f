package org.voicestudio.app.ui;

import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextInputControl;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import org.controlsfx.control.StatusBar;
import org.voicestudio.app.ui.audio.AnalysisViewModel;
import org.voicestudio.app.ui.audio.PlaybackViewModel;
import org.voicestudio.app.ui.export.ExportFormat;
import org.voicestudio.app.ui.synthesis.SynthesisViewModel;
import org.voicestudio.app.ui.takes.Take;
import org.voicestudio.app.ui.takes.TakeHistoryViewModel;
import org.voicestudio.app.ui.view.EditorView;
import org.voicestudio.app.ui.view.EngineBar;
import org.voicestudio.app.ui.view.HistoryView;
import org.voicestudio.app.ui.view.MetricsView;
import org.voicestudio.app.ui.view.PitchView;
import org.voicestudio.app.ui.view.SpectrogramView;
import org.voicestudio.app.ui.view.TimeRange;
import org.voicestudio.app.ui.view.TimelineView;
import org.voicestudio.app.ui.view.VoicePanel;
import org.voicestudio.app.ui.view.WaveformView;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * The studio window, built in code (one choice, kept, as the AtlantaFX sampler does): voices on
 * the left; text, waveform, spectrogram, pitch and timeline in the middle; metrics and takes on the
 * right; model, engines and Synthesize across the top; status at the bottom. Binds to
 * {@link StudioViewModel} only.
 */
public final class StudioWindow {
    private final StudioViewModel vm;
    private final BorderPane root = new BorderPane();
    private final TimeRange range = new TimeRange();
    private final AnalysisViewModel analysis;
    private final VoicePanel voicePanel;
    private final EditorView editor;

    public StudioWindow(StudioViewModel vm, Executor executor) {
        this.vm = vm;
        this.analysis = new AnalysisViewModel(executor);
        root.getStyleClass().add("studio");
        root.setTop(header());
        voicePanel = new VoicePanel(vm.voices());
        voicePanel.setPrefWidth(230);
        voicePanel.setOnNewVoice(() -> new org.voicestudio.app.ui.view.NewVoiceDialog(window(), vm.synthesis().languages(),
                        StudioWindow.class.getResource("studio.css").toExternalForm()).showAndWait()
                        .ifPresent(a -> vm.makeVoice(a.name(), a.language(), a.transcript(), a.recording())),
                vm.newVoiceProblemProperty());
        voicePanel.setOnVoiceFolder(vm::setVoiceFolder, vm.voiceFolderProperty());
        editor = new EditorView(vm.synthesis());

        SplitPane center = new SplitPane(editor, analysisArea());
        center.setOrientation(Orientation.VERTICAL);
        center.setDividerPositions(0.34);

        VBox right = new VBox(new EngineBar(vm.engines()), new MetricsView(vm.metrics()), new HistoryView(vm.history(), this::exportDialog, vm.synthesis()::regenerate));
        VBox.setVgrow(right.getChildren().get(2), Priority.ALWAYS);
        right.getStyleClass().add("side");
        right.setPrefWidth(360);

        SplitPane main = new SplitPane(voicePanel, center, right);
        main.setDividerPositions(0.14, 0.77);
        SplitPane.setResizableWithParent(voicePanel, false);
        SplitPane.setResizableWithParent(right, false);
        root.setCenter(main);
        root.setBottom(statusBar());

        // the plots follow what is heard: the live synthesis while it streams, else the take on show
        vm.synthesis().audioRevisionProperty().addListener(o -> analysis.request(vm.playback().sourceProperty().get()));
        vm.playback().sourceProperty().addListener((o, old, now) -> analysis.request(now));
    }

    public Scene createScene(double width, double height) {
        Scene scene = new Scene(root, width, height);
        scene.getStylesheets().add(StudioWindow.class.getResource("studio.css").toExternalForm());
        scene.addEventFilter(KeyEvent.KEY_PRESSED, this::shortcuts);
        return scene;
    }

    public Region root() { return root; }

    /** The plots show all of the audio on show (spectrogram and pitch have caught up). */
    boolean analysisSettled() {
        var source = vm.playback().sourceProperty().get();
        var r = analysis.resultProperty().get();
        return source == null || (r != null && r.source() == source && r.length() == source.length());
    }

    public VoicePanel voicePanel() { return voicePanel; }

    private void shortcuts(KeyEvent e) {
        SynthesisViewModel s = vm.synthesis();
        if (new KeyCodeCombination(KeyCode.ENTER, KeyCombination.SHORTCUT_DOWN).match(e)) {
            s.synthesize();
            e.consume();
            return;
        }
        if (e.getCode() == KeyCode.ESCAPE && s.stateProperty().get() == SynthesisViewModel.State.RUNNING) {
            s.cancel();
            e.consume();
            return;
        }
        if (e.getTarget() instanceof TextInputControl) return; // typing, not transport
        TakeHistoryViewModel h = vm.history();
        switch (e.getCode()) {
            case SPACE -> { vm.playback().togglePlay(); e.consume(); }
            case A -> { if (h.comparingProperty().get()) { h.listenTo(TakeHistoryViewModel.Side.A); e.consume(); } }
            case B -> { if (h.comparingProperty().get()) { h.listenTo(TakeHistoryViewModel.Side.B); e.consume(); } }
            case X -> { if (h.abxProperty().get() != null) { h.listenTo(TakeHistoryViewModel.Side.X); e.consume(); } }
            default -> { }
        }
    }

    private Node header() {
        Label logo = new Label("Voice Studio");
        logo.getStyleClass().add("logo");
        Label sub = new Label("CosyVoice3");
        sub.getStyleClass().add("logo-sub");
        VBox brand = new VBox(0, logo, sub);

        Label model = new Label();
        model.setId("model-label");
        model.getStyleClass().add("model-badge");
        model.textProperty().bind(vm.model().labelProperty());
        vm.model().untrainedProperty().addListener((o, old, untrained) -> model.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("demo"), untrained));
        model.setTooltip(new Tooltip("The model every stage runs. With none chosen, the studio uses the demo model bundled with it; "
                + "when that is not installed, an untrained one with random weights, which shows how the studio works but speaks noise."));
        Button open = new Button("Open model folder…");
        open.setId("open-model");
        // the loaded model is closed when another replaces it, so not while a synthesis uses it
        open.disableProperty().bind(vm.synthesis().stateProperty().isNotEqualTo(SynthesisViewModel.State.IDLE)
                .or(vm.model().loadingProperty()));
        open.setOnAction(e -> {
            DirectoryChooser dc = new DirectoryChooser();
            dc.setTitle("Choose a CosyVoice3 model folder (with cosyvoice3.yaml, llm.pt, flow.pt, hift.pt)");
            File dir = dc.showDialog(window());
            if (dir != null) vm.model().open(dir.toPath());
        });
        Button demo = new Button("Use demo");
        demo.setOnAction(e -> vm.model().useDemo());
        demo.disableProperty().bind(open.disableProperty());
        demo.visibleProperty().bind(vm.model().demoProperty().not().and(vm.model().folderProperty().isNotNull()));
        demo.managedProperty().bind(demo.visibleProperty());

        SynthesisViewModel s = vm.synthesis();
        Button synth = new Button("Synthesize");
        synth.setId("synthesize");
        synth.getStyleClass().addAll("accent", "synthesize");
        synth.setDefaultButton(false);
        synth.setOnAction(e -> s.synthesize());
        synth.disableProperty().bind(s.canSynthesizeProperty().not());
        Tooltip why = new Tooltip();
        why.textProperty().bind(Bindings.createStringBinding(() -> s.blockedReasonProperty().get() == null
                ? "Synthesize the text (Ctrl+Enter)" : s.blockedReasonProperty().get(), s.blockedReasonProperty()));
        synth.setTooltip(why);
        // a disabled button shows no tooltip: the reason also goes under the button
        Label blocked = new Label();
        blocked.setId("blocked-reason");
        blocked.getStyleClass().add("blocked");
        blocked.setWrapText(true);
        blocked.setMaxWidth(460);
        blocked.setAlignment(Pos.CENTER_RIGHT);
        blocked.setTextAlignment(javafx.scene.text.TextAlignment.RIGHT);
        blocked.textProperty().bind(Bindings.createStringBinding(() -> {
            String r = s.blockedReasonProperty().get();
            return r == null || s.stateProperty().get() != SynthesisViewModel.State.IDLE ? "" : r;
        }, s.blockedReasonProperty(), s.stateProperty()));
        Button cancel = new Button("Cancel");
        cancel.setId("cancel");
        cancel.getStyleClass().add("danger");
        cancel.setOnAction(e -> s.cancel());
        cancel.disableProperty().bind(s.stateProperty().isNotEqualTo(SynthesisViewModel.State.RUNNING));
        Label tokens = new Label();
        tokens.getStyleClass().add("mono");
        tokens.textProperty().bind(Bindings.createStringBinding(() ->
                s.stateProperty().get() == SynthesisViewModel.State.IDLE ? "" : s.tokensProperty().get() + " tokens",
                s.stateProperty(), s.tokensProperty()));
        tokens.setMinWidth(80);
        HBox go = new HBox(10, blocked, tokens, synth, cancel);
        go.setAlignment(Pos.CENTER_RIGHT);

        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        brand.setMinWidth(Region.USE_PREF_SIZE);
        model.setMinWidth(Region.USE_PREF_SIZE);
        HBox modelRow = new HBox(10, model, open, demo);
        modelRow.setAlignment(Pos.CENTER_LEFT);
        HBox bar = new HBox(28, brand, modelRow, grow, go);
        bar.getStyleClass().add("header");
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(10, 16, 10, 16));
        return bar;
    }

    private Node analysisArea() {
        PlaybackViewModel p = vm.playback();
        WaveformView wave = new WaveformView(p, range, vm.synthesis().audioRevisionProperty());
        wave.setId("waveform");
        SpectrogramView spec = new SpectrogramView(analysis.resultProperty(), range, p.playheadProperty());
        spec.setId("spectrogram");
        PitchView pitch = new PitchView(analysis.resultProperty(), range, p.playheadProperty());
        pitch.setId("pitch");
        TimelineView timeline = new TimelineView(vm.metrics());
        timeline.setId("timeline");

        VBox plots = new VBox(1, plotRow("Waveform", wave), plotRow("Spectrogram", spec), plotRow("Pitch (YIN)", pitch));
        VBox.setVgrow(plots.getChildren().get(0), Priority.ALWAYS);
        VBox.setVgrow(plots.getChildren().get(1), Priority.ALWAYS);
        VBox.setVgrow(plots.getChildren().get(2), Priority.ALWAYS);
        wave.setPrefHeight(150);
        spec.setPrefHeight(130);
        pitch.setPrefHeight(90);

        // during a blind ABX test the plots would give X away
        Label blind = new Label("Blind test — plots hidden. Listen to A, B and X.");
        blind.getStyleClass().add("blind-cover");
        blind.setMaxSize(Double.MAX_VALUE, Double.MAX_VALUE);
        blind.visibleProperty().bind(vm.history().abxProperty().isNotNull());
        StackPane plotStack = new StackPane(plots, blind);
        VBox.setVgrow(plotStack, Priority.ALWAYS);

        VBox timelineBox = new VBox(plotRow("Chunk timeline", timeline));
        timeline.setPrefHeight(110);

        VBox area = new VBox(6, transport(), plotStack, timelineBox);
        area.getStyleClass().addAll("panel", "analysis");
        area.setPadding(new Insets(10, 12, 12, 12));
        return area;
    }

    private static Node plotRow(String name, Region plot) {
        Label l = new Label(name);
        l.getStyleClass().add("plot-label");
        StackPane.setAlignment(l, Pos.TOP_RIGHT);
        StackPane s = new StackPane(plot, l);
        s.getStyleClass().add("plot-frame");
        l.setMouseTransparent(true);
        StackPane.setMargin(l, new Insets(2, 6, 0, 0));
        return s;
    }

    private Node transport() {
        PlaybackViewModel p = vm.playback();
        Button play = new Button();
        play.setId("play");
        play.getStyleClass().add("transport-play");
        play.textProperty().bind(Bindings.when(p.playingProperty()).then("❚❚  Pause").otherwise("▶  Play"));
        play.setOnAction(e -> p.togglePlay());
        play.disableProperty().bind(p.sourceProperty().isNull());
        Button zoomIn = small("+", "Zoom in (or scroll on the waveform)", () -> range.zoom(0.5, p.playheadProperty().get()));
        Button zoomOut = small("−", "Zoom out", () -> range.zoom(2, p.playheadProperty().get()));
        Button fit = small("Fit", "Show everything (or double-click the waveform)", range::fit);
        Label position = new Label();
        position.setId("position");
        position.getStyleClass().addAll("mono", "position");
        position.textProperty().bind(Bindings.createStringBinding(() -> clock(p.playheadProperty().get()) + " / " + clock(range.lengthProperty().get()),
                p.playheadProperty(), range.lengthProperty()));
        Label selection = new Label();
        selection.getStyleClass().addAll("mono", "caption");
        selection.textProperty().bind(Bindings.createStringBinding(() -> Double.isNaN(p.selectionStartProperty().get()) ? ""
                : "selection " + clock(p.selectionStartProperty().get()) + " – " + clock(p.selectionEndProperty().get()),
                p.selectionStartProperty(), p.selectionEndProperty()));
        Label audible = new Label();
        audible.setId("audible");
        audible.getStyleClass().add("audible");
        TakeHistoryViewModel h = vm.history();
        audible.textProperty().bind(Bindings.createStringBinding(() -> {
            if (vm.synthesis().liveAudioProperty().get() != null) return "● live";
            Take t = h.audibleProperty().get();
            if (t == null) return "";
            if (!h.comparingProperty().get()) return t.title();
            if (h.abxProperty().get() != null) return "Blind test · listening to " + h.sideProperty().get();
            return h.sideProperty().get() + " · " + t.title();
        }, h.audibleProperty(), h.sideProperty(), h.comparingProperty(), h.abxProperty(), vm.synthesis().liveAudioProperty()));
        CheckBox autoplay = new CheckBox("Play while synthesizing");
        autoplay.setSelected(true);
        autoplay.selectedProperty().addListener((o, old, now) -> vm.setAutoplay(now));
        Button export = new Button("Export…");
        export.setId("export");
        export.disableProperty().bind(h.selectedProperty().isNull());
        export.setOnAction(e -> exportDialog(h.selectedProperty().get()));
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox bar = new HBox(8, play, zoomIn, zoomOut, fit, position, selection, grow, audible, autoplay, export);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("transport");
        return bar;
    }

    private static Button small(String text, String tip, Runnable action) {
        Button b = new Button(text);
        b.getStyleClass().add("icon-button");
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
    }

    static String clock(double seconds) {
        if (Double.isNaN(seconds) || seconds < 0) seconds = 0;
        int m = (int) (seconds / 60);
        return String.format("%d:%06.3f", m, seconds - 60 * m);
    }

    private void exportDialog(Take take) {
        if (take == null) return;
        FileChooser fc = new FileChooser();
        fc.setTitle("Export " + take.title());
        fc.setInitialFileName("take-" + take.number() + ".wav");
        fc.getExtensionFilters().addAll(Arrays.stream(ExportFormat.values())
                .map(f -> new FileChooser.ExtensionFilter(f.description(), "*." + f.extension())).toList());
        File f = fc.showSaveDialog(window());
        if (f == null) return;
        Path path = f.toPath();
        String name = path.getFileName().toString();
        if (!name.contains(".")) {
            // the chosen filter names the format when the user typed no extension
            int i = fc.getExtensionFilters().indexOf(fc.getSelectedExtensionFilter());
            path = path.resolveSibling(name + "." + ExportFormat.values()[Math.max(i, 0)].extension());
        }
        vm.export(take, path, () -> { });
    }

    private Window window() { return root.getScene() == null ? null : root.getScene().getWindow(); }

    private Node statusBar() {
        StatusBar bar = new StatusBar();
        bar.setId("status");
        bar.textProperty().bind(vm.statusProperty());
        Label device = new Label();
        device.setId("device");
        device.getStyleClass().add("status-chip");
        device.textProperty().bind(Bindings.createStringBinding(() -> vm.playback().deviceProblemProperty().get() == null
                ? "♪ audio out" : "no audio device", vm.playback().deviceProblemProperty()));
        device.tooltipProperty().bind(Bindings.createObjectBinding(() -> new Tooltip(vm.playback().deviceProblemProperty().get() == null
                ? "Sound plays on the default output" : vm.playback().deviceProblemProperty().get()), vm.playback().deviceProblemProperty()));
        Label model = new Label();
        model.getStyleClass().add("status-chip");
        model.textProperty().bind(vm.model().labelProperty());
        bar.getRightItems().addAll(device, model);
        return bar;
    }
}
