package org.voicestudio.app.ui;

import javafx.application.Platform;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import org.voicestudio.app.ui.audio.PlaybackViewModel;
import org.voicestudio.app.ui.audio.Player;
import org.voicestudio.app.ui.engines.EngineSelectionViewModel;
import org.voicestudio.app.ui.export.ExportFormat;
import org.voicestudio.app.ui.metrics.MetricsViewModel;
import org.voicestudio.app.ui.model.ModelViewModel;
import org.voicestudio.app.ui.settings.Settings;
import org.voicestudio.app.ui.synthesis.SynthesisViewModel;
import org.voicestudio.app.ui.takes.Take;
import org.voicestudio.app.ui.takes.TakeHistoryViewModel;
import org.voicestudio.app.ui.voices.VoiceItem;
import org.voicestudio.app.ui.voices.VoicesViewModel;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Stage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The whole studio as the window sees it: the child view-models and how they are tied together
 * (a new take is shown and heard, a running synthesis is played as it streams, choices are saved).
 * Owns no threads itself: slow work goes to the executor the app owns. FX thread only.
 */
public final class StudioViewModel implements AutoCloseable {
    /** Where a running synthesis' audio is played from and what the CosyVoice3 models produce. */
    public static final int SAMPLE_RATE = 24000;

    private final ExecutorService executor;
    private final Path settingsFile;
    private Settings settings;

    private final EngineSelectionViewModel engines = new EngineSelectionViewModel();
    private final MetricsViewModel metrics = new MetricsViewModel();
    private final TakeHistoryViewModel history;
    private final SynthesisViewModel synthesis;
    private final PlaybackViewModel playback;
    private final ModelViewModel model;
    private final VoicesViewModel voices = new VoicesViewModel();
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("Ready");
    private boolean autoplay = true;
    private final javafx.beans.property.ReadOnlyObjectWrapper<Path> voiceFolder = new javafx.beans.property.ReadOnlyObjectWrapper<>();
    private java.util.function.Function<Path, org.voicestudio.app.ui.voices.VoiceSource> voiceSources;

    public StudioViewModel(ExecutorService executor, Path settingsFile, Settings settings, Player player,
                           ModelViewModel.Loader loader, ModelViewModel.DemoMaker demoMaker, Path demoFolder,
                           RandomGenerator random) {
        this.executor = executor;
        this.settingsFile = settingsFile;
        this.settings = settings;
        this.history = new TakeHistoryViewModel(random);
        this.synthesis = new SynthesisViewModel(executor, engines, metrics, history, random);
        this.playback = new PlaybackViewModel(player, SAMPLE_RATE);
        this.model = new ModelViewModel(executor, loader, demoMaker, demoFolder);
        synthesis.setStatusSink(status::set);

        synthesis.synthesizerProperty().bind(model.synthesizerProperty());
        model.labelProperty().addListener(o -> updateSynthesizerProblem());
        model.problemProperty().addListener(o -> updateSynthesizerProblem());
        model.loadingProperty().addListener(o -> updateSynthesizerProblem());
        model.problemProperty().addListener((o, old, now) -> { if (now != null) status.set(now); });
        model.noticeProperty().addListener((o, old, now) -> { if (now != null) status.set(now); });
        model.setOnDemoLoaded(this::addBundledVoices);
        model.setOnConfigured(p -> saveSettings(this.settings.withModelFolder(p)));

        voices.selectedProperty().addListener((o, old, now) -> {
            synthesis.voiceIdProperty().set(now == null ? null : now.id());
            synthesis.voiceNameProperty().set(now == null ? VoiceItem.DEFAULT.name() : now.name());
        });

        // what is heard and shown: the running synthesis while it streams, else the history's pick
        synthesis.liveAudioProperty().addListener((o, old, live) -> {
            if (live != null) {
                playback.clearSelection();
                playback.sourceProperty().set(live);
                playback.seek(0);
                if (autoplay) playback.play();
            }
        });
        history.audibleProperty().addListener((o, old, take) -> {
            if (synthesis.liveAudioProperty().get() == null) playback.sourceProperty().set(take == null ? null : take.audio());
        });
        history.selectedProperty().addListener((o, old, take) -> {
            if (take != null) metrics.show(take.metrics(), take.timeline(), take.startNanos(), take.title() + " · " + take.voiceName());
        });

        for (Stage s : Stage.values()) {
            engines.selectedProperty(s).addListener((o, old, now) -> {
                if (now != null && old != null) persistEngines();
            });
        }
        playback.deviceProblemProperty().addListener((o, old, now) -> { if (now != null) status.set(now); });
        if (playback.deviceProblemProperty().get() != null) status.set(playback.deviceProblemProperty().get());
    }

    private void updateSynthesizerProblem() {
        String p = model.loadingProperty().get() ? model.labelProperty().get()
                : model.problemProperty().get() != null ? model.problemProperty().get() : "No model is loaded";
        synthesis.synthesizerProblemProperty().set(p);
    }

    /** Starts the slow parts of opening: probing engines and loading the model, both off the FX thread. */
    public void start(Supplier<List<Engine>> engineSource, java.util.function.Function<Path, org.voicestudio.app.ui.voices.VoiceSource> voiceSources,
                      Path defaultVoiceFolder) {
        this.voiceSources = voiceSources;
        voiceFolder.set(settings.voiceFolder() != null ? Path.of(settings.voiceFolder()) : defaultVoiceFolder);
        Map<Stage, String> preferred = new EnumMap<>(Stage.class);
        settings.engines().forEach((k, v) -> {
            try { preferred.put(Stage.valueOf(k), v); } catch (IllegalArgumentException ignored) { /* stage renamed: forget it */ }
        });
        executor.execute(() -> {
            EngineSelectionViewModel.Probe probe;
            try {
                probe = EngineSelectionViewModel.probe(engineSource.get());
            } catch (RuntimeException | LinkageError e) {
                Platform.runLater(() -> status.set("Could not list the engines: " + e.getMessage()));
                return;
            }
            Platform.runLater(() -> engines.setEngines(probe.options(), probe.stagesById(), preferred));
        });
        model.load(settings.modelFolder() == null ? null : Path.of(settings.modelFolder()));
        refreshVoices();
    }

    private java.util.function.BiFunction<Path, Path, org.voicestudio.app.ui.voices.VoiceMaker> voiceMakers;
    private java.util.function.Function<Path, String> voiceMakingProblem = folder -> "no voice maker";
    private final javafx.beans.property.ReadOnlyStringWrapper newVoiceProblem = new javafx.beans.property.ReadOnlyStringWrapper("Loading the model…");

    /** How voices are made: a maker for (model folder, library folder), and why a model folder cannot make them (null if it can). */
    public void setVoiceMaking(java.util.function.BiFunction<Path, Path, org.voicestudio.app.ui.voices.VoiceMaker> makers,
                               java.util.function.Function<Path, String> problem) {
        this.voiceMakers = makers;
        this.voiceMakingProblem = problem;
        model.folderProperty().addListener(o -> updateNewVoiceProblem());
        model.untrainedProperty().addListener(o -> updateNewVoiceProblem());
        updateNewVoiceProblem();
    }

    private void updateNewVoiceProblem() {
        Path folder = model.folderProperty().get();
        newVoiceProblem.set(folder == null ? "No model is loaded"
                : model.untrainedProperty().get() ? "The untrained demo model cannot make voices; open a real model folder"
                : voiceMakingProblem.apply(folder));
    }

    /** Adds a model folder's bundled voices to a library; worker thread. */
    @FunctionalInterface
    public interface BundledVoiceMaker {
        Added addMissing(Path modelFolder, Path library) throws Exception;
    }

    /**
     * What adding bundled voices did.
     *
     * @param made    names of the voices made now
     * @param message what to tell the user, or null
     */
    public record Added(List<String> made, String message) {}

    private BundledVoiceMaker bundledVoices;

    /** How the demo model's bundled voices reach the library (once, on the first run that loads it). */
    public void setBundledVoices(BundledVoiceMaker maker) { this.bundledVoices = maker; }

    private void addBundledVoices(ModelViewModel.Demo demo) {
        Path library = voiceFolder.get();
        if (bundledVoices == null || library == null || !demo.trained()) return;
        BundledVoiceMaker maker = bundledVoices;
        submit(() -> {
            Added added;
            try {
                added = maker.addMissing(demo.folder(), library);
            } catch (Exception e) {
                added = new Added(List.of(), "Could not add the bundled voices: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            }
            Added a = added;
            Platform.runLater(() -> {
                if (a.message() != null) status.set(a.message());
                // first run: start with a bundled voice rather than none
                VoiceItem selected = voices.selectedProperty().get();
                if (!a.made().isEmpty() && (selected == null || selected == VoiceItem.DEFAULT)) pendingSelection = a.made().getFirst();
                refreshVoices();
            });
        });
    }

    /** Why "New voice from recording…" cannot be used now, or null. */
    public javafx.beans.property.ReadOnlyStringProperty newVoiceProblemProperty() { return newVoiceProblem.getReadOnlyProperty(); }

    /** Makes a voice on the executor, then lists the library again and selects it. */
    public void makeVoice(String name, String language, String transcript, Path recording) {
        Path modelFolder = model.folderProperty().get();
        Path library = voiceFolder.get();
        if (voiceMakers == null || modelFolder == null || library == null || newVoiceProblem.get() != null) {
            status.set(newVoiceProblem.get() != null ? newVoiceProblem.get() : "Voices cannot be made now");
            return;
        }
        status.set("Making the voice '" + name + "' from " + recording.getFileName() + " …");
        org.voicestudio.app.ui.voices.VoiceMaker maker = voiceMakers.apply(modelFolder, library);
        submit(() -> {
            try {
                org.voicestudio.app.ui.voices.VoiceMaker.Made made = maker.make(name, language, transcript, recording);
                Platform.runLater(() -> {
                    status.set("Made the voice '" + made.name() + "'" + (made.warnings().isEmpty() ? "" : " — " + String.join("; ", made.warnings())));
                    pendingSelection = made.name();
                    refreshVoices();
                });
            } catch (Exception e) {
                String m = e.getMessage() != null ? e.getMessage() : e.toString();
                Platform.runLater(() -> status.set("Could not make the voice: " + m));
            }
        });
    }

    private String pendingSelection;

    /** Uses the voice library in {@code folder} from now on (and remembers it). */
    public void setVoiceFolder(Path folder) {
        voiceFolder.set(folder);
        saveSettings(settings.withVoiceFolder(folder));
        refreshVoices();
    }

    /** The folder of the voice library in use. */
    public javafx.beans.property.ReadOnlyObjectProperty<Path> voiceFolderProperty() { return voiceFolder.getReadOnlyProperty(); }

    /** Re-reads the voice library off the FX thread. */
    public void refreshVoices() {
        if (voiceSources == null || voiceFolder.get() == null) return;
        org.voicestudio.app.ui.voices.VoiceSource source = voiceSources.apply(voiceFolder.get());
        submit(() -> {
            try {
                var listing = source.list();
                Platform.runLater(() -> {
                    voices.setVoices(listing.voices());
                    if (pendingSelection != null) {
                        // made voices are reported by name, listed by id: either identifies the voice
                        listing.voices().stream().filter(v -> pendingSelection.equals(v.id()) || pendingSelection.equals(v.name()))
                                .findFirst().ifPresent(voices.selectedProperty()::set);
                        pendingSelection = null;
                    }
                    voices.libraryProblemProperty().set(listing.problems().isEmpty() ? null : String.join("\n", listing.problems()));
                });
            } catch (Exception e) {
                Platform.runLater(() -> voices.libraryProblemProperty().set("Cannot read the voice library: " + e.getMessage()));
            }
        });
    }

    private void persistEngines() {
        Map<String, String> ids = new java.util.HashMap<>();
        engines.selection().ifPresent(sel -> sel.forEach((s, id) -> ids.put(s.name(), id)));
        saveSettings(settings.withEngines(ids));
    }

    private void saveSettings(Settings s) {
        settings = s;
        submit(() -> {
            try {
                s.save(settingsFile);
            } catch (IOException e) {
                Platform.runLater(() -> status.set("Could not save settings: " + e.getMessage()));
            }
        });
    }

    public Settings settings() { return settings; }

    /** Writes {@code take} to {@code file} (format from its extension) on the executor; reports in the status bar. */
    public void export(Take take, Path file, Runnable whenDone) {
        ExportFormat format;
        try {
            format = ExportFormat.forFileName(file.getFileName().toString());
        } catch (IllegalArgumentException e) {
            status.set(e.getMessage());
            return;
        }
        float[] samples = take.audio().toArray();
        ExportFormat.Metadata meta = new ExportFormat.Metadata(take.request().text(), take.voiceName(),
                "engines " + take.enginesLabel() + ", seed " + take.request().seed() + ", speed " + take.request().speed());
        status.set("Exporting " + take.title() + " …");
        submit(() -> {
            String result;
            try (OutputStream out = Files.newOutputStream(file)) {
                format.write(samples, take.audio().sampleRate(), meta, out);
                result = "Exported " + take.title() + " to " + file;
            } catch (IOException | RuntimeException e) {
                result = "Export failed: " + e.getMessage();
            }
            String r = result;
            Platform.runLater(() -> { status.set(r); whenDone.run(); });
        });
    }

    /** Runs on the executor; after shutdown (the window is closing) the work is dropped. */
    private void submit(Runnable r) {
        try {
            executor.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            status.set("The studio is shutting down");
        }
    }

    public void setAutoplay(boolean on) { autoplay = on; }

    public EngineSelectionViewModel engines() { return engines; }

    public MetricsViewModel metrics() { return metrics; }

    public TakeHistoryViewModel history() { return history; }

    public SynthesisViewModel synthesis() { return synthesis; }

    public PlaybackViewModel playback() { return playback; }

    public ModelViewModel model() { return model; }

    public VoicesViewModel voices() { return voices; }

    public ReadOnlyStringProperty statusProperty() { return status.getReadOnlyProperty(); }

    public void setStatus(String s) { status.set(s); }

    @Override
    public void close() {
        synthesis.cancel();
        playback.close();
        model.close();
    }
}
