package org.voicestudio.app.ui.voices;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.List;

/** The voice picker: the library's voices and the chosen one. FX thread only. */
public final class VoicesViewModel {
    private final ObservableList<VoiceItem> voices = FXCollections.observableArrayList(VoiceItem.DEFAULT);
    private final ObjectProperty<VoiceItem> selected = new SimpleObjectProperty<>(VoiceItem.DEFAULT);
    private final StringProperty libraryProblem = new SimpleStringProperty();

    /** Replaces the list (the default speaker stays first) and keeps the selection by id when possible. */
    public void setVoices(List<VoiceItem> fromLibrary) {
        String keep = selected.get() == null ? null : selected.get().id();
        List<VoiceItem> all = new ArrayList<>();
        all.add(VoiceItem.DEFAULT);
        all.addAll(fromLibrary);
        voices.setAll(all);
        selected.set(all.stream().filter(v -> java.util.Objects.equals(v.id(), keep)).findFirst().orElse(VoiceItem.DEFAULT));
    }

    public ObservableList<VoiceItem> voices() { return voices; }

    public ObjectProperty<VoiceItem> selectedProperty() { return selected; }

    /** Why the library could not be read, or null. */
    public StringProperty libraryProblemProperty() { return libraryProblem; }
}
