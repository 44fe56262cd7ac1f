package org.voicestudio.app.ui.model;

import javafx.application.Platform;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import org.voicestudio.app.ui.synthesis.Synthesizer;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * Which model the studio runs and whether it is loaded. With no model folder configured the studio
 * uses the untrained demo model made on first run (its output is noise, and the window says so);
 * opening a real folder validates it with the loader's own messages before switching.
 * Loading runs on the studio's executor. FX thread only.
 */
public final class ModelViewModel {
    /** Opens a model folder (the official layout) as something that can synthesize; slow, worker thread. */
    @FunctionalInterface
    public interface Loader {
        Synthesizer open(Path modelFolder) throws Exception;
    }

    /** Makes the untrained demo model in {@code folder} if it is not there yet; worker thread. */
    @FunctionalInterface
    public interface DemoMaker {
        void ensure(Path folder) throws Exception;
    }

    private final ExecutorService executor;
    private final Loader loader;
    private final DemoMaker demoMaker;
    private final Path demoFolder;
    private final ReadOnlyObjectWrapper<Path> folder = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyBooleanWrapper demo = new ReadOnlyBooleanWrapper();
    private final ReadOnlyBooleanWrapper loading = new ReadOnlyBooleanWrapper();
    private final ReadOnlyStringWrapper label = new ReadOnlyStringWrapper("No model");
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper();
    private final ReadOnlyObjectWrapper<Synthesizer> synthesizer = new ReadOnlyObjectWrapper<>();
    private Consumer<Path> onConfigured = p -> {};
    private int generation;

    public ModelViewModel(ExecutorService executor, Loader loader, DemoMaker demoMaker, Path demoFolder) {
        this.executor = executor;
        this.loader = loader;
        this.demoMaker = demoMaker;
        this.demoFolder = demoFolder;
    }

    /** Told the folder a user chose once it loaded (null = the demo model), to persist it. */
    public void setOnConfigured(Consumer<Path> c) { onConfigured = c; }

    /** Loads {@code configured}, or the demo model when null. */
    public void load(Path configured) {
        boolean isDemo = configured == null;
        Path target = isDemo ? demoFolder : configured;
        int gen = ++generation;
        loading.set(true);
        problem.set(null);
        label.set(isDemo ? "Preparing the demo model…" : "Loading " + target.getFileName() + "…");
        executor.execute(() -> {
            try {
                if (isDemo) demoMaker.ensure(target);
                Synthesizer s = loader.open(target);
                Platform.runLater(() -> loaded(gen, target, isDemo, s, null));
            } catch (Throwable t) {
                Platform.runLater(() -> loaded(gen, target, isDemo, null, t));
            }
        });
    }

    /** A user picked a folder: validate and switch; on failure keep the current model and say why. */
    public void open(Path chosen) {
        Synthesizer keep = synthesizer.get();
        Path keepFolder = folder.get();
        boolean keepDemo = demo.get();
        int gen = ++generation;
        loading.set(true);
        label.set("Checking " + chosen.getFileName() + "…");
        executor.execute(() -> {
            try {
                Synthesizer s = loader.open(chosen);
                Platform.runLater(() -> {
                    loaded(gen, chosen, false, s, null);
                    if (gen == generation) onConfigured.accept(chosen);
                });
            } catch (Throwable t) {
                Platform.runLater(() -> {
                    if (gen != generation) return;
                    loading.set(false);
                    synthesizer.set(keep);
                    folder.set(keepFolder);
                    demo.set(keepDemo);
                    label.set(describe(keepFolder, keepDemo, keep != null));
                    problem.set("Cannot use " + chosen + ": " + message(t));
                });
            }
        });
    }

    /** Back to the demo model. */
    public void useDemo() {
        load(null);
        onConfigured.accept(null);
    }

    private void loaded(int gen, Path target, boolean isDemo, Synthesizer s, Throwable error) {
        if (gen != generation) { release(s); return; } // a newer load won
        loading.set(false);
        Synthesizer old = synthesizer.get();
        if (old != null && old != s) release(old); // the window allows switching only while no synthesis runs
        folder.set(target);
        demo.set(isDemo);
        synthesizer.set(s);
        label.set(describe(target, isDemo, s != null));
        problem.set(error == null ? null : (isDemo ? "Demo model: " : "Cannot load " + target + ": ") + message(error));
    }

    /** Closes a synthesizer's native resources (models, tokenizer) off the FX thread. */
    private void release(Synthesizer s) {
        if (!(s instanceof AutoCloseable c)) return;
        try {
            executor.execute(() -> {
                try { c.close(); } catch (Exception ignored) { /* closing is best effort */ }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // shutting down: the process ends anyway
        }
    }

    /** Closes the loaded model; called when the studio shuts down. */
    public void close() {
        if (synthesizer.get() instanceof AutoCloseable c) {
            try { c.close(); } catch (Exception ignored) { /* shutting down */ }
        }
    }

    private static String describe(Path target, boolean isDemo, boolean ok) {
        if (target == null) return "No model";
        if (isDemo) return "Untrained demo model — output is noise";
        return (ok ? "" : "Not loaded: ") + target.getFileName();
    }

    static String message(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
            if (!sb.toString().contains(m)) sb.append(sb.isEmpty() ? "" : ": ").append(m);
        }
        return sb.toString();
    }

    public ReadOnlyObjectProperty<Path> folderProperty() { return folder.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty demoProperty() { return demo.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty loadingProperty() { return loading.getReadOnlyProperty(); }

    /** "Untrained demo model — output is noise", "Fun-CosyVoice3-0.5B", ... */
    public ReadOnlyStringProperty labelProperty() { return label.getReadOnlyProperty(); }

    /** Why the last load or open failed, in words; null when fine. */
    public ReadOnlyStringProperty problemProperty() { return problem.getReadOnlyProperty(); }

    public ReadOnlyObjectProperty<Synthesizer> synthesizerProperty() { return synthesizer.getReadOnlyProperty(); }
}
