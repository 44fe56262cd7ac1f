package org.voicestudio.app.ui;

import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.stage.Stage;

/** The studio window. */
public final class StudioApp extends Application {

    public static void launchWindow(String[] args) {
        Application.launch(StudioApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        stage.setTitle("Voice Studio");
        stage.setScene(new Scene(new Label("Voice Studio"), 1200, 800));
        stage.show();
    }
}
