package org.voicestudio.app.ui.synthesis;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.app.ui.FxThread;
import org.voicestudio.app.ui.ScriptedSynthesizer;
import org.voicestudio.app.ui.engines.EngineOption;
import org.voicestudio.app.ui.engines.EngineSelectionViewModel;
import org.voicestudio.app.ui.metrics.MetricsViewModel;
import org.voicestudio.app.ui.takes.Take;
import org.voicestudio.app.ui.takes.TakeHistoryViewModel;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynthesisViewModelTest {
    private final ExecutorService executor = Executors.newFixedThreadPool(2);

    @BeforeAll
    static void fx() { FxThread.start(); }

    @AfterEach
    void stop() { executor.shutdownNow(); }

    private record Fixture(SynthesisViewModel vm, MetricsViewModel metrics, TakeHistoryViewModel history, List<String> status) {}

    private Fixture fixture(Synthesizer synth) {
        return FxThread.call(() -> {
            EngineSelectionViewModel engines = new EngineSelectionViewModel();
            EngineOption djl = new EngineOption("djl", "PyTorch (DJL)", Availability.yes("CPU"));
            engines.setEngines(List.of(djl), Map.of(Stage.LLM, List.of("djl"), Stage.FLOW, List.of("djl"), Stage.VOCODER, List.of("djl")), Map.of());
            MetricsViewModel metrics = new MetricsViewModel();
            TakeHistoryViewModel history = new TakeHistoryViewModel(new Random(1));
            SynthesisViewModel vm = new SynthesisViewModel(executor, engines, metrics, history, new Random(1));
            List<String> status = new ArrayList<>();
            vm.setStatusSink(status::add);
            vm.synthesizerProperty().set(synth);
            return new Fixture(vm, metrics, history, status);
        });
    }

    @Test
    void aSynthesisStreamsIntoMetricsAndEndsAsATake() {
        ScriptedSynthesizer synth = new ScriptedSynthesizer(3, 60);
        Fixture f = fixture(synth);
        FxThread.run(() -> f.vm.textProperty().set("Hello there."));
        assertTrue(FxThread.call(f.vm::synthesize));
        assertEquals(SynthesisViewModel.State.RUNNING, FxThread.call(() -> f.vm.stateProperty().get()));
        assertFalse(FxThread.call(() -> f.vm.canSynthesizeProperty().get()));
        FxThread.await(() -> f.history.takes().size() == 1, 5000, "the take");

        Take t = FxThread.call(() -> f.history.takes().getFirst());
        assertTrue(t.complete());
        assertEquals(3 * 24000, t.audio().length());
        assertTrue(t.audio().isComplete());
        assertEquals(9, t.timeline().size());
        assertEquals("Hello there.", t.request().text());
        assertEquals(1986, t.request().seed());
        // the scripted stages each take ~chunkMillis/3 per 1 s chunk: RTF well under 1
        assertTrue(t.metrics().rtf(Stage.FLOW) > 0 && t.metrics().rtf(Stage.FLOW) < 0.5, "flow RTF " + t.metrics().rtf(Stage.FLOW));
        assertEquals(75, t.metrics().tokens());
        assertEquals(SynthesisViewModel.State.IDLE, FxThread.call(() -> f.vm.stateProperty().get()));
        assertEquals(75, FxThread.call(() -> f.vm.tokensProperty().get()));
        assertTrue(FxThread.call(() -> f.status.getLast()).startsWith("Done: 3.00 s of audio"));
    }

    @Test
    void cancelStopsTheRunKeepsWhatArrivedAndAllowsTheNext() {
        ScriptedSynthesizer synth = new ScriptedSynthesizer(50, 60);
        Fixture f = fixture(synth);
        FxThread.run(() -> { f.vm.textProperty().set("A long text."); f.vm.synthesize(); });
        FxThread.await(() -> f.metrics.timeline().size() >= 3, 5000, "the first chunk");
        FxThread.run(f.vm::cancel);
        FxThread.await(() -> f.vm.stateProperty().get() == SynthesisViewModel.State.IDLE, 5000, "idle after cancel");
        Take partial = FxThread.call(() -> f.history.takes().getFirst());
        assertFalse(partial.complete());
        assertTrue(partial.audio().length() < 50 * 24000);
        assertTrue(FxThread.call(() -> f.status.getLast()).startsWith("Cancelled after"));
        assertTrue(FxThread.call(() -> f.vm.canSynthesizeProperty().get()));
    }

    @Test
    void withoutModelOrTextItSaysWhyItCannotStart() {
        Fixture f = fixture(null);
        FxThread.run(() -> f.vm.synthesizerProblemProperty().set("Loading the model…"));
        assertEquals("Loading the model…", FxThread.call(() -> f.vm.blockedReasonProperty().get()));
        FxThread.run(() -> f.vm.synthesizerProperty().set(new ScriptedSynthesizer(1, 10)));
        assertEquals("Type some text to synthesize", FxThread.call(() -> f.vm.blockedReasonProperty().get()));
        assertFalse(FxThread.call(f.vm::synthesize));
    }

    @Test
    void aSynthesizerThatThrowsEndsTheRunWithItsMessage() {
        Fixture f = fixture(new Synthesizer() {
            @Override
            public int sampleRate() { return 24000; }

            @Override
            public void synthesize(TakeRequest r, org.voicestudio.inference.pipeline.SynthesisListener l, CancelSignal c) {
                throw new IllegalStateException("flow.pt: missing key decoder.estimator.proj_out.weight");
            }
        });
        FxThread.run(() -> { f.vm.textProperty().set("x"); f.vm.synthesize(); });
        FxThread.await(() -> f.vm.stateProperty().get() == SynthesisViewModel.State.IDLE, 5000, "idle after failure");
        assertEquals("Synthesis failed: flow.pt: missing key decoder.estimator.proj_out.weight", FxThread.call(() -> f.status.getLast()));
        assertTrue(FxThread.call(() -> f.history.takes().isEmpty()));
    }
}
