package org.voicestudio.app.ui;

import atlantafx.base.theme.PrimerDark;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import org.voicestudio.app.ui.audio.Player;
import org.voicestudio.app.ui.settings.Settings;
import org.voicestudio.app.ui.settings.StudioDirs;
import org.voicestudio.app.ui.synthesis.SynthesisViewModel;
import org.voicestudio.inference.engine.Engines;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The studio window's application: owns the worker executor (all inference, loading, analysis and
 * export run there; shut down on exit), the player and the view-model, and shows
 * {@link StudioWindow}. A hidden option {@code --screenshot=FILE} (or
 * {@code -Dvoicestudio.screenshot=FILE}, or {@code VOICESTUDIO_SCREENSHOT=FILE}) writes the window to
 * a PNG once it has settled and exits; with {@code --screenshot-text=TEXT} (or
 * {@code VOICESTUDIO_SCREENSHOT_TEXT}) it first synthesizes that text.
 */
public final class StudioApp extends Application {
    private ExecutorService executor;
    private StudioViewModel vm;

    public static void launchWindow(String[] args) {
        Application.launch(StudioApp.class, args);
    }

    /** Worker threads are daemons so a stuck native call can never keep the JVM alive after the window closes. */
    static ExecutorService newExecutor() {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "studio-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(4, tf);
    }

    @Override
    public void start(Stage stage) {
        Application.setUserAgentStylesheet(new PrimerDark().getUserAgentStylesheet());
        StudioDirs dirs = StudioDirs.forUser();
        Path settingsFile = dirs.config().resolve("settings.json");
        Settings settings;
        String settingsProblem = null;
        try {
            settings = Settings.load(settingsFile);
        } catch (IOException e) {
            settings = Settings.DEFAULTS;
            settingsProblem = e.getMessage() + " (using defaults)";
        }
        executor = newExecutor();
        StudioViewModel[] self = new StudioViewModel[1];
        vm = new StudioViewModel(executor, settingsFile, settings, new Player(),
                Inference.loader(() -> self[0].voiceFolderProperty().get()), Inference.demoMaker(), dirs.demoModel(), new Random());
        self[0] = vm;
        vm.setVoiceMaking(Inference::voiceMaker, Inference::voiceMakingProblem);
        vm.setBundledVoices(Inference::addBundledVoices);
        if (settingsProblem != null) vm.setStatus(settingsProblem);
        StudioWindow window = new StudioWindow(vm, executor);
        Scene scene = window.createScene(1600, 1000);
        stage.setTitle("Voice Studio");
        stage.getIcons().add(new javafx.scene.image.Image(StudioApp.class.getResource("icon.png").toExternalForm()));
        stage.setScene(scene);
        stage.setMinWidth(1100);
        stage.setMinHeight(700);
        stage.show();
        vm.start(Engines::all, Inference::voices, dirs.voices());

        String shot = option("screenshot");
        if (shot != null) screenshot(scene, window, Path.of(shot), option("screenshot-text"));
    }

    private String option(String name) {
        String v = getParameters().getNamed().get(name);
        if (v == null) v = System.getProperty("voicestudio." + name.replace("-", "."));
        return v != null ? v : System.getenv("VOICESTUDIO_" + name.replace("-", "_").toUpperCase(java.util.Locale.ROOT));
    }

    /** Waits for the studio to settle (and for a synthesis, if asked), writes the PNG, exits. */
    private void screenshot(Scene scene, StudioWindow window, Path file, String text) {
        Thread.ofPlatform().daemon().name("studio-screenshot").start(() -> {
            try {
                waitFor(() -> !vm.model().loadingProperty().get() && !vm.engines().presets().isEmpty(), 120_000);
                // a first run makes the bundled voices on a worker: show a take spoken with the first of them
                waitFor(() -> vm.voices().voices().size() > 1, 60_000);
                onFx(() -> {
                    var sel = vm.voices().selectedProperty();
                    if (vm.voices().voices().size() > 1 && (sel.get() == null || sel.get() == org.voicestudio.app.ui.voices.VoiceItem.DEFAULT))
                        sel.set(vm.voices().voices().get(1));
                    return null;
                });
                if (text != null) {
                    onFx(() -> { vm.synthesis().textProperty().set(text); return vm.synthesis().synthesize(); });
                    waitFor(() -> vm.synthesis().stateProperty().get() != SynthesisViewModel.State.IDLE, 5_000);
                    waitFor(() -> vm.synthesis().stateProperty().get() == SynthesisViewModel.State.IDLE, 300_000);
                }
                waitFor(() -> window.analysisSettled(), 60_000);
                Thread.sleep(800); // the last redraws
                onFx(() -> { writePng(scene.snapshot(null), file); return null; });
                System.out.println("screenshot written to " + file);
            } catch (Exception e) {
                System.err.println("screenshot failed: " + e);
            } finally {
                Platform.runLater(Platform::exit);
            }
        });
    }

    private static void waitFor(java.util.function.BooleanSupplier fxCondition, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (onFx(fxCondition::getAsBoolean)) return;
            Thread.sleep(100);
        }
    }

    private static <T> T onFx(java.util.concurrent.Callable<T> c) throws Exception {
        java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(c);
        Platform.runLater(task);
        return task.get(30, TimeUnit.SECONDS);
    }

    /** PNG through javax.imageio, without the javafx-swing bridge. */
    static void writePng(WritableImage img, Path file) throws IOException {
        int w = (int) img.getWidth(), h = (int) img.getHeight();
        int[] argb = new int[w * h];
        img.getPixelReader().getPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), argb, 0, w);
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        bi.setRGB(0, 0, w, h, argb, 0, w);
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        if (!ImageIO.write(bi, "png", file.toFile())) throw new IOException("no PNG writer in this Java runtime");
    }

    @Override
    public void stop() throws InterruptedException {
        if (vm != null) vm.close();
        if (executor != null) {
            executor.shutdownNow();
            executor.awaitTermination(2, TimeUnit.SECONDS);
        }
    }

}
