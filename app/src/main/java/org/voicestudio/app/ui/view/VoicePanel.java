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
        javafx.scene.control.Button folder = new javafx.scene.control.Button("Folder…");
        folder.setId("voice-folder");
        folder.getStyleClass().add("small-button");
        folder.setOnAction(e -> {
            javafx.stage.DirectoryChooser dc = new javafx.stage.DirectoryChooser();
            dc.setTitle("Choose the voice library folder");
            java.io.File f = dc.showDialog(getScene() == null ? null : getScene().getWindow());
            if (f != null && onFolder != null) onFolder.accept(f.toPath());
        });
        javafx.scene.layout.Region grow = new javafx.scene.layout.Region();
        javafx.scene.layout.HBox.setHgrow(grow, Priority.ALWAYS);
        javafx.scene.layout.HBox head = new javafx.scene.layout.HBox(6, title, grow, folder);
        head.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        folderTip = new Tooltip();
        folder.setTooltip(folderTip);

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
        getChildren().addAll(head, list, problem, newVoice);
    }

    private final Tooltip folderTip;
    private java.util.function.Consumer<java.nio.file.Path> onFolder;

    /** Where a chosen library folder goes; {@code current} is shown in the button's tooltip. */
    public void setOnVoiceFolder(java.util.function.Consumer<java.nio.file.Path> action, javafx.beans.value.ObservableValue<java.nio.file.Path> current) {
        onFolder = action;
        folderTip.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(
                () -> "Voice library: " + current.getValue(), current));
    }

    /** What "New voice from recording…" does; while {@code problem} holds a reason the button is off and says why. */
    public void setOnNewVoice(Runnable action, javafx.beans.value.ObservableStringValue problem) {
        newVoice.setOnAction(e -> action.run());
        newVoice.disableProperty().bind(javafx.beans.binding.Bindings.isNotNull(problem));
        Tooltip tip = new Tooltip();
        tip.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> problem.get() != null ? problem.get()
                : "Make a voice from a 3–30 s recording and its transcript", problem));
        newVoice.setTooltip(tip);
        // a disabled button shows no tooltip: the reason also shows under it
        Label why = new Label();
        why.getStyleClass().add("caption");
        why.setWrapText(true);
        why.textProperty().bind(problem);
        why.visibleProperty().bind(javafx.beans.binding.Bindings.isNotNull(problem));
        why.managedProperty().bind(why.visibleProperty());
        getChildren().add(why);
    }
}
