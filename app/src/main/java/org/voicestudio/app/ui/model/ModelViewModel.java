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
 * uses the demo model: the bundled one when it is installed (its model card names it), else an
 * untrained one made on first run (its output is noise, and the window says so); opening a real
 * folder validates it with the loader's own messages before switching.
 * Loading runs on the studio's executor. FX thread only.
 */
public final class ModelViewModel {
    /** Opens a model folder (the official layout) as something that can synthesize; slow, worker thread. */
    @FunctionalInterface
    public interface Loader {
        Synthesizer open(Path modelFolder) throws Exception;
    }

    /** The demo model to use: the bundled one, or an untrained one it makes in {@code folder}; worker thread. */
    @FunctionalInterface
    public interface DemoMaker {
        Demo ensure(Path folder) throws Exception;
    }

    /**
     * The demo model in use.
     *
     * @param folder  its folder
     * @param label   what the window shows for it
     * @param trained whether it speaks (its model card says so); an untrained one cannot make voices
     * @param note    why this one is used (e.g. the bundled model is not installed), or null
     */
    public record Demo(Path folder, String label, boolean trained, String note) {
        public static final String UNTRAINED = "Untrained demo model — output is noise";

        /** The untrained model generated in {@code folder}. */
        public static Demo generated(Path folder, String note) { return new Demo(folder, UNTRAINED, false, note); }
    }

    private final ExecutorService executor;
    private final Loader loader;
    private final DemoMaker demoMaker;
    private final Path demoFolder;
    private final ReadOnlyObjectWrapper<Path> folder = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyBooleanWrapper demo = new ReadOnlyBooleanWrapper();
    private final ReadOnlyBooleanWrapper untrained = new ReadOnlyBooleanWrapper();
    private Demo currentDemo;
    private Consumer<Demo> onDemoLoaded = d -> {};
    private final ReadOnlyBooleanWrapper loading = new ReadOnlyBooleanWrapper();
    private final ReadOnlyStringWrapper label = new ReadOnlyStringWrapper("No model");
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper();
    private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper();
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

    /** Told when a demo model has loaded (e.g. to add its bundled voices to the library). */
    public void setOnDemoLoaded(Consumer<Demo> c) { onDemoLoaded = c; }

    /** Loads {@code configured}, or the demo model when null. */
    public void load(Path configured) {
        boolean isDemo = configured == null;
        int gen = ++generation;
        loading.set(true);
        problem.set(null);
        label.set(isDemo ? "Preparing the demo model…" : "Loading " + configured.getFileName() + "…");
        executor.execute(() -> {
            Demo d = null;
            Path target = configured;
            try {
                if (isDemo) {
                    d = demoMaker.ensure(demoFolder);
                    target = d.folder();
                }
                Synthesizer s = loader.open(target);
                Demo loadedDemo = d;
                Path t = target;
                Platform.runLater(() -> loaded(gen, t, loadedDemo, s, null));
            } catch (Throwable e) {
                Demo failedDemo = d != null ? d : isDemo ? Demo.generated(demoFolder, null) : null;
                Path t = target != null ? target : demoFolder;
                Platform.runLater(() -> loaded(gen, t, failedDemo, null, e));
            }
        });
    }

    /** A user picked a folder: validate and switch; on failure keep the current model and say why. */
    public void open(Path chosen) {
        Synthesizer keep = synthesizer.get();
        Path keepFolder = folder.get();
        Demo keepDemo = demo.get() ? currentDemo : null;
        int gen = ++generation;
        loading.set(true);
        label.set("Checking " + chosen.getFileName() + "…");
        executor.execute(() -> {
            try {
                Synthesizer s = loader.open(chosen);
                Platform.runLater(() -> {
                    loaded(gen, chosen, null, s, null);
                    if (gen == generation) onConfigured.accept(chosen);
                });
            } catch (Throwable t) {
                Platform.runLater(() -> {
                    if (gen != generation) return;
                    loading.set(false);
                    synthesizer.set(keep);
                    folder.set(keepFolder);
                    setDemo(keepDemo);
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

    private void loaded(int gen, Path target, Demo d, Synthesizer s, Throwable error) {
        if (gen != generation) { release(s); return; } // a newer load won
        loading.set(false);
        Synthesizer old = synthesizer.get();
        if (old != null && old != s) release(old); // the window allows switching only while no synthesis runs
        folder.set(target);
        setDemo(d);
        synthesizer.set(s);
        label.set(describe(target, d, s != null));
        problem.set(error == null ? null : (d != null ? "Demo model: " : "Cannot load " + target + ": ") + message(error));
        notice.set(error == null && d != null ? d.note() : null);
        if (error == null && d != null) onDemoLoaded.accept(d);
    }

    private void setDemo(Demo d) {
        currentDemo = d;
        demo.set(d != null);
        untrained.set(d != null && !d.trained());
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

    private static String describe(Path target, Demo d, boolean ok) {
        if (target == null) return "No model";
        if (d != null) return d.label();
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

    /** True while the demo model (bundled or generated) is in use rather than a folder the user chose. */
    public ReadOnlyBooleanProperty demoProperty() { return demo.getReadOnlyProperty(); }

    /** True while the demo model in use is an untrained one (it speaks noise and cannot make voices). */
    public ReadOnlyBooleanProperty untrainedProperty() { return untrained.getReadOnlyProperty(); }

    public ReadOnlyBooleanProperty loadingProperty() { return loading.getReadOnlyProperty(); }

    /** "Untrained demo model — output is noise", the bundled model's card name, "Fun-CosyVoice3-0.5B", ... */
    public ReadOnlyStringProperty labelProperty() { return label.getReadOnlyProperty(); }

    /** Why the last load or open failed, in words; null when fine. */
    public ReadOnlyStringProperty problemProperty() { return problem.getReadOnlyProperty(); }

    /** Something worth telling about the model that loaded (why the generated demo model is used); null when nothing. */
    public ReadOnlyStringProperty noticeProperty() { return notice.getReadOnlyProperty(); }

    public ReadOnlyObjectProperty<Synthesizer> synthesizerProperty() { return synthesizer.getReadOnlyProperty(); }
}
