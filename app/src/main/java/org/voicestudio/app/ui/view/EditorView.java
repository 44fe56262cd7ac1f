package org.voicestudio.app.ui.view;

import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextArea;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.voicestudio.app.ui.synthesis.SynthesisViewModel;

/**
 * The text to speak and how: CosyVoice3's inline tags from a menu (paired tags wrap the selection),
 * language, speed and seed.
 */
public final class EditorView extends VBox {
    /** Inline tags of the CosyVoice3 tokenizer (reference §2.2): {label, opening, closing or null}. */
    static final String[][] TAGS = {
            {"Breath", "[breath]", null}, {"Quick breath", "[quick_breath]", null}, {"Laughter", "[laughter]", null},
            {"Laughing speech", "<laughter>", "</laughter>"}, {"Emphasis", "<strong>", "</strong>"},
            {"Sigh", "[sigh]", null}, {"Cough", "[cough]", null}, {"Noise", "[noise]", null},
            {"Lip smack", "[lipsmack]", null}, {"Hissing", "[hissing]", null}, {"Clucking", "[clucking]", null},
            {"Vocalized noise", "[vocalized-noise]", null}, {"Mm (hesitation)", "[mn]", null}, {"Accent", "[accent]", null},
    };

    private final TextArea text = new TextArea();

    public EditorView(SynthesisViewModel vm) {
        getStyleClass().addAll("panel", "editor");
        setSpacing(8);
        setPadding(new Insets(12));

        Label title = new Label("Text");
        title.getStyleClass().add("panel-title");

        MenuButton tags = new MenuButton("Insert tag");
        tags.setId("insert-tag");
        for (String[] t : TAGS) {
            MenuItem item = new MenuItem(t[2] == null ? t[0] + "   " + t[1] : t[0] + "   " + t[1] + "…" + t[2]);
            item.setOnAction(e -> insert(t[1], t[2]));
            tags.getItems().add(item);
        }
        tags.getItems().add(new SeparatorMenuItem());
        MenuItem instruct = new MenuItem("Instruction prefix   You are a helpful assistant. …<|endofprompt|>");
        instruct.setOnAction(e -> {
            text.insertText(0, "You are a helpful assistant. Please say this cheerfully.<|endofprompt|>");
            text.requestFocus();
        });
        tags.getItems().add(instruct);

        ComboBox<String> language = new ComboBox<>();
        language.setId("language");
        language.setItems(vm.languages());
        language.valueProperty().bindBidirectional(vm.languageProperty());
        language.setTooltip(new Tooltip("Language of the text: numbers, dates and abbreviations are spelled out by its rules"));

        Slider speed = new Slider(0.5, 2.0, 1.0);
        speed.setId("speed");
        speed.setPrefWidth(110);
        speed.setMajorTickUnit(0.25);
        speed.setBlockIncrement(0.05);
        speed.valueProperty().bindBidirectional(vm.speedProperty());
        speed.setTooltip(new Tooltip("Speaking rate. At 1.00× audio streams as it is made; other speeds are synthesized a sentence at a time "
                + "(upstream changes speed only without streaming). Double-click for 1.00×."));
        speed.setOnMouseClicked(e -> { if (e.getClickCount() == 2) vm.speedProperty().set(1.0); });
        Label speedValue = new Label();
        speedValue.getStyleClass().add("mono");
        speedValue.textProperty().bind(Bindings.format("%.2f×", vm.speedProperty()));
        speedValue.setMinWidth(44);

        Spinner<Integer> seed = new Spinner<>();
        seed.setId("seed");
        seed.setEditable(true);
        seed.setPrefWidth(140);
        SpinnerValueFactory.IntegerSpinnerValueFactory seeds = new SpinnerValueFactory.IntegerSpinnerValueFactory(0, Integer.MAX_VALUE, (int) vm.seedProperty().get());
        seed.setValueFactory(seeds);
        seeds.valueProperty().addListener((o, old, now) -> { if (now != null) vm.seedProperty().set(now); });
        vm.seedProperty().addListener((o, old, now) -> seeds.setValue(now.intValue()));
        Button dice = new Button("⚄");
        dice.setId("new-seed");
        dice.getStyleClass().add("icon-button");
        dice.setTooltip(new Tooltip("New random seed"));
        dice.setOnAction(e -> vm.newSeed());

        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox tools = new HBox(8, tags, grow, caption("Language"), language, caption("Speed"), speed, speedValue,
                caption("Seed"), seed, dice);
        tools.setAlignment(Pos.CENTER_LEFT);
        tools.getStyleClass().add("toolbar-row");

        text.setId("text");
        text.setWrapText(true);
        text.setPromptText("Type what the voice should say. Long texts are split into sentences.");
        text.textProperty().bindBidirectional(vm.textProperty());
        VBox.setVgrow(text, Priority.ALWAYS);

        Label count = new Label();
        count.getStyleClass().add("caption");
        count.textProperty().bind(Bindings.createStringBinding(() -> {
            String s = vm.textProperty().get();
            return s == null || s.isEmpty() ? "" : s.codePointCount(0, s.length()) + " characters";
        }, vm.textProperty()));

        // the text as it will be synthesized: normalized, one row per sentence (one pipeline request each)
        javafx.scene.control.ListView<String> sentences = new javafx.scene.control.ListView<>(vm.sentences());
        sentences.setId("sentences");
        sentences.getStyleClass().add("sentences");
        sentences.setFixedCellSize(24);
        sentences.setPrefHeight(3 * 24 + 4);
        sentences.setMinHeight(60);
        sentences.setFocusTraversable(false);
        sentences.setPlaceholder(new Label("The sentences to synthesize appear here as you type"));
        sentences.setCellFactory(v -> new javafx.scene.control.ListCell<>() {
            { setPrefWidth(0); }

            @Override
            protected void updateItem(String s, boolean empty) {
                super.updateItem(s, empty);
                setText(empty || s == null ? null : (getIndex() + 1) + "   " + s);
            }
        });
        Label problem = new Label();
        problem.getStyleClass().add("problem");
        problem.textProperty().bind(vm.sentencesProblemProperty());
        problem.visibleProperty().bind(vm.sentencesProblemProperty().isNotNull());
        problem.managedProperty().bind(problem.visibleProperty());
        Label splitTitle = new Label();
        splitTitle.getStyleClass().add("caption");
        splitTitle.textProperty().bind(Bindings.createStringBinding(() -> vm.sentences().isEmpty() ? "Sentences"
                : vm.sentences().size() == 1 ? "1 sentence" : vm.sentences().size() + " sentences", vm.sentences()));
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox under = new HBox(8, splitTitle, gap, count);
        getChildren().addAll(new HBox(12, title), tools, text, under, sentences, problem);
    }

    /** Inserts a tag at the caret, or wraps the selection in a paired tag. */
    void insert(String open, String close) {
        var sel = text.getSelection();
        if (close != null && sel.getLength() > 0) {
            text.replaceSelection(open + text.getSelectedText() + close);
        } else if (close != null) {
            int at = text.getCaretPosition();
            text.insertText(at, open + close);
            text.positionCaret(at + open.length());
        } else {
            text.replaceSelection(open);
        }
        text.requestFocus();
    }

    private static Label caption(String s) {
        Label l = new Label(s);
        l.getStyleClass().add("caption");
        return l;
    }

    public TextArea textArea() { return text; }
}
