package org.voicestudio.app.ui.view;

import javafx.geometry.Insets;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.voicestudio.app.ui.engines.EngineOption;
import org.voicestudio.app.ui.engines.EngineSelectionViewModel;
import org.voicestudio.app.ui.engines.EngineSelectionViewModel.PresetOption;
import org.voicestudio.inference.engine.Stage;

/**
 * Presets (PyTorch, vLLM, TensorRT, CUDA) and an engine per stage. Engines and presets that cannot
 * run here are listed disabled with their reason, never hidden or swapped for another.
 */
public final class EngineBar extends VBox {
    private final EngineSelectionViewModel vm;
    private final HBox presetBox = new HBox();
    private final ToggleGroup presetGroup = new ToggleGroup();

    public EngineBar(EngineSelectionViewModel vm) {
        this.vm = vm;
        getStyleClass().addAll("panel", "engine-bar");
        setSpacing(8);
        setPadding(new Insets(12, 12, 4, 12));
        presetBox.getStyleClass().add("segmented");
        presetBox.setId("presets");
        vm.presets().addListener((javafx.collections.ListChangeListener<PresetOption>) c -> buildPresets());
        vm.activePresetProperty().addListener(o -> syncPreset());
        Label title = new Label("Engines");
        title.getStyleClass().add("panel-title");

        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(6);
        ColumnConstraints names = new ColumnConstraints(62);
        ColumnConstraints combos = new ColumnConstraints();
        combos.setHgrow(Priority.ALWAYS);
        combos.setFillWidth(true);
        grid.getColumnConstraints().addAll(names, combos);
        for (Stage s : Stage.values()) {
            Label name = new Label(s.label());
            name.getStyleClass().addAll("stage-name", "stage-" + s.name().toLowerCase());
            grid.addRow(s.ordinal(), name, stageCombo(s));
        }
        getChildren().addAll(title, presetBox, grid);
        buildPresets();
    }

    private void buildPresets() {
        presetBox.getChildren().clear();
        for (PresetOption p : vm.presets()) {
            ToggleButton b = new ToggleButton(p.name());
            b.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(b, Priority.ALWAYS);
            b.setId("preset-" + p.name().toLowerCase());
            b.setUserData(p);
            b.setToggleGroup(presetGroup);
            // a disabled node shows no tooltip, so an unavailable preset stays enabled-looking but refuses
            if (!p.availability().available()) b.getStyleClass().add("unavailable");
            b.setTooltip(new Tooltip(p.availability().available() ? "Run every stage as in the " + p.name() + " setup"
                    : p.name() + " cannot run here: " + p.availability().reason()));
            b.setOnAction(e -> {
                if (!vm.applyPreset(p.preset())) syncPreset();
            });
            presetBox.getChildren().add(b);
        }
        syncPreset();
    }

    private void syncPreset() {
        String active = vm.activePresetProperty().get();
        presetGroup.getToggles().forEach(t -> t.setSelected(((PresetOption) t.getUserData()).name().equals(active)));
    }

    private ComboBox<EngineOption> stageCombo(Stage s) {
        ComboBox<EngineOption> combo = new ComboBox<>(vm.options(s));
        combo.setId("engine-" + s.name().toLowerCase());
        combo.getStyleClass().add("stage-" + s.name().toLowerCase());
        combo.setMaxWidth(Double.MAX_VALUE);
        combo.setPromptText("no engine");
        combo.setCellFactory(v -> new OptionCell(true));
        combo.setButtonCell(new OptionCell(false));
        combo.valueProperty().bindBidirectional(vm.selectedProperty(s));
        return combo;
    }

    /** An engine in the list: name, and for one that cannot run, disabled with the reason beneath. */
    private static final class OptionCell extends ListCell<EngineOption> {
        private final boolean inList;

        OptionCell(boolean inList) { this.inList = inList; }

        @Override
        protected void updateItem(EngineOption o, boolean empty) {
            super.updateItem(o, empty);
            getStyleClass().remove("unavailable");
            setDisable(false);
            setTooltip(null);
            if (empty || o == null) { setText(empty ? null : "no engine"); setGraphic(null); return; }
            if (!inList || o.available()) {
                setText(o.displayName());
                setGraphic(null);
                return;
            }
            Label name = new Label(o.displayName());
            Label why = new Label(o.availability().reason());
            why.getStyleClass().add("reason");
            why.setWrapText(true);
            why.setMaxWidth(320);
            setText(null);
            setGraphic(new VBox(1, name, why));
            getStyleClass().add("unavailable");
            setDisable(true);
        }
    }
}
