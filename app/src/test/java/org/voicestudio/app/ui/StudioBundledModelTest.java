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
import org.voicestudio.app.BundledModel;
import org.voicestudio.app.ui.audio.Player;
import org.voicestudio.app.ui.settings.Settings;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.loading.ModelCard;
import org.voicestudio.inference.testing.DemoModels;

import javax.sound.sampled.LineUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The real studio on a fresh machine with a trained bundled model installed (here a random-weight
 * stand-in of the demo geometry whose card says it is trained): the window names it by its card,
 * never calls it untrained, offers its bundled voice (made into the library and selected), lets
 * the user make voices. (Synthesis on the demo geometry is tested by DjlDemoGeometryTest and SynthCommandTest.)
 */
@ExtendWith(ApplicationExtension.class)
class StudioBundledModelTest {
    @TempDir
    static Path dir;

    private ExecutorService executor;
    private StudioViewModel vm;

    @Start
    void start(Stage stage) throws Exception {
        BundledModel bundled = new BundledModel(dir.resolve("install").resolve(BundledModel.RELATIVE));
        DemoModels.standIn(bundled.dir(), 12);
        DemoModels.addVoice(bundled.dir(), "es-lucia", "Lucía", "es", "Hola, me llamo Lucía.");
        Files.writeString(bundled.dir().resolve(ModelCard.FILE), "---\nname: Voice Studio demo (es, en)\n---\n# Demo\n");
        executor = StudioApp.newExecutor();
        Player silent = new Player(f -> { throw new LineUnavailableException("headless test"); });
        vm = new StudioViewModel(executor, dir.resolve("config/settings.json"), Settings.DEFAULTS, silent,
                Inference.loader(() -> dir.resolve("data/voices")), Inference.demoMaker(bundled), dir.resolve("data/models/cv3-tiny-random"), new Random(3));
        vm.setVoiceMaking(Inference::voiceMaker, Inference::voiceMakingProblem);
        vm.setBundledVoices(Inference::addBundledVoices);
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
    void theBundledModelIsUsedWithItsVoice(FxRobot robot) {
        FxThread.await(() -> vm.synthesis().synthesizerProperty().get() != null, 60_000, "the bundled model");
        assertEquals("Voice Studio demo (es, en)", robot.lookup("#model-label").queryAs(Label.class).getText());
        assertFalse(vm.model().untrainedProperty().get());
        assertFalse(Files.exists(dir.resolve("data/models")), "no untrained model is made");
        FxThread.await(() -> vm.voices().selectedProperty().get() != null && "Lucía".equals(vm.voices().selectedProperty().get().id()),
                60_000, "the bundled voice, made and selected");
        assertNull(vm.newVoiceProblemProperty().get(), "the bundled model can make voices");
        assertFalse(robot.lookup("#new-voice").queryButton().isDisabled());
    }
}
