package org.voicestudio.app.ui.view;

import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.voicestudio.app.ui.voices.VoiceItem;
import org.voicestudio.app.ui.voices.VoicesViewModel;

/** The voice picker and the way to make a new voice from a recording. */
public final class VoicePanel extends VBox {
    private final Button newVoice = new Button("New voice from recording…");

    public VoicePanel(VoicesViewModel vm) {
        getStyleClass().addAll("panel", "voices");
        setSpacing(8);
        setPadding(new Insets(12));
        Label title = new Label("Voices");
        title.getStyleClass().add("panel-title");

        ListView<VoiceItem> list = new ListView<>(vm.voices());
        list.setId("voices");
        list.setCellFactory(v -> new ListCell<>() {
            { setPrefWidth(0); }

            @Override
            protected void updateItem(VoiceItem item, boolean empty) {
                super.updateItem(item, empty);
                if (empty || item == null) { setGraphic(null); setText(null); return; }
                Label name = new Label(item.name());
                name.getStyleClass().add("voice-name");
                Label detail = new Label(item.detail());
                detail.getStyleClass().add("take-info");
                setGraphic(new VBox(1, name, detail));
                setText(null);
            }
        });
        list.getSelectionModel().select(vm.selectedProperty().get());
        list.getSelectionModel().selectedItemProperty().addListener((o, old, now) -> { if (now != null) vm.selectedProperty().set(now); });
        vm.selectedProperty().addListener((o, old, now) -> list.getSelectionModel().select(now));
        VBox.setVgrow(list, Priority.ALWAYS);

        newVoice.setId("new-voice");
        newVoice.setMaxWidth(Double.MAX_VALUE);
        Label problem = new Label();
        problem.getStyleClass().add("problem");
        problem.setWrapText(true);
        problem.textProperty().bind(vm.libraryProblemProperty());
        problem.visibleProperty().bind(vm.libraryProblemProperty().isNotNull());
        problem.managedProperty().bind(problem.visibleProperty());
        getChildren().addAll(title, list, problem, newVoice);
    }

    /** What "New voice from recording…" does; without one the button says why it cannot. */
    public void setOnNewVoice(Runnable action, String unavailableReason) {
        newVoice.setOnAction(e -> { if (action != null) action.run(); });
        newVoice.setDisable(action == null);
        newVoice.setTooltip(new Tooltip(action != null ? "Make a voice from a 3–30 s recording and its transcript" : unavailableReason));
    }
}
