package org.voicestudio.app.ui;

import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.framework.junit5.Stop;
import org.voicestudio.app.ui.audio.Player;
import org.voicestudio.app.ui.settings.Settings;
import org.voicestudio.app.ui.synthesis.SynthesisViewModel;
import org.voicestudio.app.ui.takes.Take;
import org.voicestudio.inference.engine.Engines;

import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.LineUnavailableException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real studio on a fresh machine: no model configured, so it makes the untrained demo model,
 * lists the engines on the class path and synthesizes through the real pipeline (DJL on every
 * stage); the take is exported as a WAV.
 */
@ExtendWith(ApplicationExtension.class)
class StudioDemoModelTest {
    @TempDir
    static Path dir;

    private ExecutorService executor;
    private StudioViewModel vm;

    @Start
    void start(Stage stage) {
        executor = StudioApp.newExecutor();
        Player silent = new Player(f -> { throw new LineUnavailableException("headless test"); });
        vm = new StudioViewModel(executor, dir.resolve("config/settings.json"), Settings.DEFAULTS, silent,
                Inference.loader(() -> dir.resolve("data/voices")), Inference.demoMaker(new org.voicestudio.app.BundledModel(dir.resolve("not-installed"))), dir.resolve("data/models/cv3-tiny-random"), new Random(3));
        vm.setVoiceMaking(Inference::voiceMaker, Inference::voiceMakingProblem);
        stage.setScene(new StudioWindow(vm, executor).createScene(1400, 900));
        stage.show();
        vm.start(Engines::all, Inference::voices, dir.resolve("data/voices"));
    }

    @Stop
    void stop() {
        vm.close();
        executor.shutdownNow();
    }

    @Test
    void aFreshStudioSynthesizesWithTheDemoModelAndExports(FxRobot robot) throws Exception {
        FxThread.await(() -> vm.synthesis().synthesizerProperty().get() != null, 60_000, "the demo model");
        assertEquals("Untrained demo model — output is noise", robot.lookup("#model-label").queryAs(Label.class).getText());
        assertTrue(vm.model().noticeProperty().get().contains("the bundled model is not installed"), vm.model().noticeProperty().get());
        FxThread.await(() -> vm.engines().selection().isPresent(), 30_000, "engines for every stage");
        assertTrue(robot.lookup("#new-voice").queryButton().isDisabled());
        assertEquals("The untrained demo model cannot make voices; open a real model folder", vm.newVoiceProblemProperty().get());
        FxThread.run(() -> vm.synthesis().textProperty().set("Hello."));
        robot.clickOn("#synthesize");
        FxThread.await(() -> vm.history().takes().size() == 1
                && vm.synthesis().stateProperty().get() == SynthesisViewModel.State.IDLE, 120_000, "the take");
        Take take = vm.history().takes().getFirst();
        assertTrue(take.complete(), vm.statusProperty().get());
        assertTrue(take.audio().length() > 0);
        assertNotEquals("—", robot.lookup("#metric-rtf-vocoder").queryAs(Label.class).getText());
        assertNotEquals("—", robot.lookup("#metric-e2e").queryAs(Label.class).getText());
        assertTrue(vm.metrics().timeline().size() >= 3);

        Path wav = dir.resolve("hello.wav");
        boolean[] done = {false};
        FxThread.run(() -> vm.export(take, wav, () -> done[0] = true));
        FxThread.await(() -> done[0], 10_000, "export");
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            assertEquals(take.audio().length(), in.getFrameLength());
        }
    }
}
