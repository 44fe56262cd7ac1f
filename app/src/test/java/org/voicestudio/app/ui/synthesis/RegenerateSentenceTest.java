package org.voicestudio.app.ui.synthesis;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.app.ui.FxThread;
import org.voicestudio.app.ui.engines.EngineOption;
import org.voicestudio.app.ui.engines.EngineSelectionViewModel;
import org.voicestudio.app.ui.metrics.MetricsViewModel;
import org.voicestudio.app.ui.takes.Take;
import org.voicestudio.app.ui.takes.TakeHistoryViewModel;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.SynthesisListener;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegenerateSentenceTest {
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void fx() { FxThread.start(); }

    @AfterEach
    void stop() { executor.shutdownNow(); }

    /**
     * Test double for the seam: splits on ". " and makes each sentence a constant level chosen by
     * its text and the seed, so which samples came from which synthesis can be checked.
     */
    static final class SentenceTones implements Synthesizer {
        @Override public int sampleRate() { return 1000; }

        static float level(String sentence, long seed) { return (Math.abs((sentence + seed).hashCode()) % 90 + 5) / 100f; }

        @Override
        public void synthesize(TakeRequest r, SynthesisListener l, CancelSignal c) {
            String[] parts = r.text().split("(?<=\\.) ");
            for (int i = 0; i < parts.length; i++) {
                float[] s = new float[100 * (i + 2)];
                Arrays.fill(s, level(parts[i], r.seed()));
                l.onAudio(new AudioChunk(i, s, 1000, i == parts.length - 1));
                ((SentenceListener) l).onSentenceEnd(i, parts[i]);
            }
            l.onFinished();
        }
    }

    @Test
    void regeneratingOneSentenceReplacesOnlyItsSamples() {
        Object[] f = FxThread.call(() -> {
            EngineSelectionViewModel engines = new EngineSelectionViewModel();
            engines.setEngines(List.of(new EngineOption("djl", "PyTorch (DJL)", Availability.yes("CPU"))),
                    Map.of(Stage.LLM, List.of("djl"), Stage.FLOW, List.of("djl"), Stage.VOCODER, List.of("djl")), Map.of());
            TakeHistoryViewModel history = new TakeHistoryViewModel(new Random(1));
            SynthesisViewModel vm = new SynthesisViewModel(executor, engines, new MetricsViewModel(), history, new Random(9));
            vm.synthesizerProperty().set(new SentenceTones());
            vm.textProperty().set("One. Two. Three.");
            return new Object[] {vm, history};
        });
        SynthesisViewModel vm = (SynthesisViewModel) f[0];
        TakeHistoryViewModel history = (TakeHistoryViewModel) f[1];
        FxThread.run(vm::synthesize);
        FxThread.await(() -> history.takes().size() == 1 && vm.stateProperty().get() == SynthesisViewModel.State.IDLE, 5000, "take 1");
        Take first = FxThread.call(() -> history.takes().getFirst());
        assertEquals(List.of(new Take.Segment("One.", 0, 200), new Take.Segment("Two.", 200, 500), new Take.Segment("Three.", 500, 900)),
                first.sentences());

        FxThread.run(() -> vm.textProperty().set("")); // the editor's text plays no part
        assertTrue(FxThread.call(() -> vm.regenerate(first, 1)));
        FxThread.await(() -> history.takes().size() == 2 && vm.stateProperty().get() == SynthesisViewModel.State.IDLE, 5000, "take 2");
        Take second = FxThread.call(() -> history.takes().getFirst());

        float[] a = first.audio().toArray(), b = second.audio().toArray();
        // the regenerated sentence is one chunk of 200 samples now (the double names it sentence 0)
        assertEquals(a.length - 300 + 200, b.length);
        assertArrayEquals(Arrays.copyOfRange(a, 0, 200), Arrays.copyOfRange(b, 0, 200));
        assertArrayEquals(Arrays.copyOfRange(a, 500, 900), Arrays.copyOfRange(b, 400, 800));
        long seed = second.request().seed();
        assertNotEquals(first.request().seed(), seed);
        assertEquals(SentenceTones.level("Two.", seed), b[300]);
        assertEquals(List.of(new Take.Segment("One.", 0, 200), new Take.Segment("Two.", 200, 400), new Take.Segment("Three.", 400, 800)),
                second.sentences());
        assertEquals("One. Two. Three.", second.text());
        assertTrue(second.note().startsWith("sentence 2 of Take 1 regenerated"), second.note());
    }
}
