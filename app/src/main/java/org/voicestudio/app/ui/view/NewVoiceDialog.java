package org.voicestudio.app.ui.view;

import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Asks for what a new voice needs: a name, the recording (3–30 s), its transcript and language. */
public final class NewVoiceDialog extends Dialog<NewVoiceDialog.Answer> {
    /** What the user gave. */
    public record Answer(String name, String language, String transcript, Path recording) {}

    public NewVoiceDialog(Window owner, List<String> languages, String css) {
        initOwner(owner);
        setTitle("New voice from recording");
        setHeaderText("A 3–30 second recording of one speaker, and exactly what is said in it");
        getDialogPane().getStylesheets().add(css);
        TextField name = new TextField();
        name.setPromptText("e.g. Ana");
        TextField file = new TextField();
        file.setPromptText("WAV, FLAC or MP3, at least 16 kHz");
        file.setPrefColumnCount(28);
        Button browse = new Button("Choose…");
        browse.setOnAction(e -> {
            FileChooser fc = new FileChooser();
            fc.setTitle("Choose the recording");
            fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Recordings", "*.wav", "*.flac", "*.mp3"));
            File f = fc.showOpenDialog(getDialogPane().getScene().getWindow());
            if (f != null) file.setText(f.getPath());
        });
        HBox fileRow = new HBox(6, file, browse);
        HBox.setHgrow(file, Priority.ALWAYS);
        TextArea transcript = new TextArea();
        transcript.setWrapText(true);
        transcript.setPrefRowCount(4);
        transcript.setPromptText("What is said in the recording, word for word");
        ComboBox<String> language = new ComboBox<>();
        language.getItems().setAll(languages);
        language.setValue(languages.contains("en") ? "en" : languages.isEmpty() ? null : languages.getFirst());

        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(8);
        grid.setPadding(new Insets(12));
        grid.addRow(0, new Label("Name"), name);
        grid.addRow(1, new Label("Recording"), fileRow);
        grid.addRow(2, new Label("Transcript"), transcript);
        grid.addRow(3, new Label("Language"), language);
        getDialogPane().setContent(grid);
        getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        getDialogPane().lookupButton(ButtonType.OK).disableProperty().bind(
                name.textProperty().isEmpty().or(file.textProperty().isEmpty()).or(transcript.textProperty().isEmpty()));
        setResultConverter(b -> b == ButtonType.OK
                ? new Answer(name.getText().strip(), Optional.ofNullable(language.getValue()).orElse(""), transcript.getText().strip(),
                Path.of(file.getText().strip()))
                : null);
    }
}
