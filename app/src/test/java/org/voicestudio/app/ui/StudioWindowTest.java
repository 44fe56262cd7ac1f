package org.voicestudio.app.ui;

import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.framework.junit5.Stop;
import org.voicestudio.app.ui.audio.Player;
import org.voicestudio.app.ui.engines.EngineOption;
import org.voicestudio.app.ui.settings.Settings;
import org.voicestudio.app.ui.synthesis.SynthesisViewModel;
import org.voicestudio.app.ui.takes.Take;
import org.voicestudio.app.ui.takes.TakeHistoryViewModel;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;

import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.LineUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives the real studio window headless (TestFX glass robot on Monocle). Synthesis goes through
 * {@link ScriptedSynthesizer}, so these tests check the window's wiring, not inference.
 */
@ExtendWith(ApplicationExtension.class)
class StudioWindowTest {
    @TempDir
    static Path dir;

    private ExecutorService executor;
    private StudioViewModel vm;
    private final ScriptedSynthesizer synth = new ScriptedSynthesizer(4, 45);

    @Start
    void start(Stage stage) {
        executor = StudioApp.newExecutor();
        Player silent = new Player(f -> { throw new LineUnavailableException("headless test"); });
        vm = new StudioViewModel(executor, dir.resolve("settings.json"), Settings.DEFAULTS, silent,
                folder -> synth, folder -> org.voicestudio.app.ui.model.ModelViewModel.Demo.generated(folder, null), dir.resolve("demo"), new Random(5));
        StudioWindow window = new StudioWindow(vm, executor);
        stage.setScene(window.createScene(1400, 900));
        stage.show();
        List<Engine> engines = List.of(new TestEngine("djl", "PyTorch (DJL)", Availability.yes("CPU")),
                new TestEngine("cuda", "CUDA", Availability.no("no NVIDIA GPU found")));
        vm.start(() -> engines, folder -> () -> new org.voicestudio.app.ui.voices.VoiceSource.Listing(List.of(new org.voicestudio.app.ui.voices.VoiceItem("ana", "Ana", "es · 8.2 s")), List.of()), dir.resolve("voices"));
    }

    @Stop
    void stop() {
        vm.close();
        executor.shutdownNow();
    }

    private void awaitIdleWithTakes(FxRobot robot, int n) {
        FxThread.await(() -> vm.history().takes().size() == n
                && vm.synthesis().stateProperty().get() == SynthesisViewModel.State.IDLE, 10_000, n + " takes");
    }

    @Test
    @SuppressWarnings("unchecked")
    void opensWithEnginesAndTheirAvailabilityAndTheDemoModelLabel(FxRobot robot) {
        FxThread.await(() -> !vm.engines().presets().isEmpty() && !vm.model().loadingProperty().get(), 5000, "engines and model");
        ComboBox<EngineOption> flow = robot.lookup("#engine-flow").queryAs(ComboBox.class);
        assertEquals(List.of("djl", "cuda"), flow.getItems().stream().map(EngineOption::id).toList());
        assertEquals("djl", flow.getValue().id());
        assertEquals("no NVIDIA GPU found", flow.getItems().get(1).availability().reason());
        assertEquals("Untrained demo model — output is noise", robot.lookup("#model-label").queryAs(Label.class).getText());
        assertEquals("no audio device", robot.lookup("#device").queryAs(Label.class).getText());
        assertTrue(robot.lookup("#synthesize").queryButton().isDisabled(), "nothing to say yet");
        assertEquals("Type some text to synthesize", robot.lookup("#blocked-reason").queryAs(Label.class).getText());
    }

    @Test
    void typeSynthesizeAndSeeMetricsHistoryAndWaveform(FxRobot robot) {
        FxThread.await(() -> vm.synthesis().synthesizerProperty().get() != null, 5000, "model");
        FxThread.await(() -> vm.voices().voices().size() == 2, 5000, "the library's voices");
        robot.clickOn("Ana");
        robot.clickOn("#text").write("Hello studio.");
        assertEquals("Hello studio.", robot.lookup("#text").queryAs(TextArea.class).getText());
        FxThread.await(() -> vm.synthesis().sentences().equals(List.of("Hello studio.")), 5000, "the sentence split under the text");
        robot.clickOn("#synthesize");
        awaitIdleWithTakes(robot, 1);
        assertEquals("ana", synth.requests.getFirst().voice());
        assertEquals("Ana", vm.history().takes().getFirst().voiceName());
        assertNotEquals("—", robot.lookup("#metric-rtf-flow").queryAs(Label.class).getText());
        assertNotEquals("—", robot.lookup("#metric-first-audio").queryAs(Label.class).getText());
        assertEquals(1, robot.lookup("#takes").queryAs(ListView.class).getItems().size());
        assertEquals(4.0, vm.playback().sourceProperty().get().seconds(), 1e-9);
        assertEquals("Take 1", robot.lookup("#audible").queryAs(Label.class).getText());
        assertEquals(12, vm.metrics().timeline().size());
    }

    @Test
    void cancelMidStreamLeavesTheStudioUsable(FxRobot robot) {
        ScriptedSynthesizer slow = new ScriptedSynthesizer(200, 60);
        FxThread.run(() -> {
            vm.synthesis().synthesizerProperty().unbind();
            vm.synthesis().synthesizerProperty().set(slow);
            vm.synthesis().textProperty().set("A long text that we will not hear to the end.");
        });
        robot.clickOn("#synthesize");
        FxThread.await(() -> vm.metrics().timeline().size() >= 3, 5000, "first chunk");
        robot.clickOn("#cancel");
        awaitIdleWithTakes(robot, 1);
        assertFalse(vm.history().takes().getFirst().complete());
        assertFalse(robot.lookup("#synthesize").queryButton().isDisabled());
        robot.clickOn("#synthesize");
        FxThread.await(() -> vm.metrics().timeline().size() >= 3, 5000, "second run streams");
        robot.clickOn("#cancel");
        awaitIdleWithTakes(robot, 2);
    }

    @Test
    void abTwoTakesSwitchesAtThePlayheadAndExportsAWav(FxRobot robot) throws Exception {
        FxThread.await(() -> vm.synthesis().synthesizerProperty().get() != null, 5000, "model");
        robot.clickOn("#text").write("One.");
        robot.clickOn("#synthesize");
        awaitIdleWithTakes(robot, 1);
        robot.clickOn("#new-seed");
        robot.clickOn("#synthesize");
        awaitIdleWithTakes(robot, 2);
        assertNotEquals(synth.requests.get(0).seed(), synth.requests.get(1).seed());

        FxThread.run(() -> robot.lookup("#takes").queryAs(ListView.class).getSelectionModel().selectAll());
        robot.clickOn("#compare");
        Take first = vm.history().takes().get(1), second = vm.history().takes().get(0);
        assertEquals(first, vm.history().takeAProperty().get());
        FxThread.run(() -> vm.playback().seek(1.5));
        robot.clickOn("#side-b");
        assertEquals(TakeHistoryViewModel.Side.B, vm.history().sideProperty().get());
        assertEquals(second.audio(), vm.playback().sourceProperty().get());
        assertEquals(1.5, FxThread.call(() -> vm.playback().playheadProperty().get()), 1e-9);
        assertEquals("B · Take 2", robot.lookup("#audible").queryAs(Label.class).getText());

        robot.clickOn("#abx");
        robot.clickOn("#x-is-a");
        assertTrue(robot.lookup("#abx-score").queryAs(Label.class).getText().contains("of 1 correct"));

        Path wav = dir.resolve("take-2.wav");
        boolean[] done = {false};
        FxThread.run(() -> vm.export(second, wav, () -> done[0] = true));
        FxThread.await(() -> done[0], 5000, "export");
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            assertEquals(4 * 24000, in.getFrameLength());
        }
        assertTrue(Files.size(wav) > 4 * 24000 * 2);
    }
}
