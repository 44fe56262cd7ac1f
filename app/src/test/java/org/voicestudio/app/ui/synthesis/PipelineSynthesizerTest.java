package org.voicestudio.app.ui.synthesis;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.app.ui.DemoModel;
import org.voicestudio.app.ui.engines.Preset;
import org.voicestudio.engines.vllm.OpenAiTestServer;
import org.voicestudio.engines.vllm.VllmExporter;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.SynthesisListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The studio's synthesizer over the real pipeline, every stage on DJL, with the tiny demo model. */
class PipelineSynthesizerTest {
    private static final Map<Stage, String> DJL = Map.of(Stage.LLM, "djl", Stage.FLOW, "djl", Stage.VOCODER, "djl");

    @TempDir
    static Path dir;

    @BeforeAll
    static void demoModel() throws IOException { DemoModel.ensure(dir.resolve("demo")); }

    private record Heard(List<AudioChunk> chunks, List<StageEvent> events, List<String> ends) {}

    private static Heard run(PipelineSynthesizer synth, TakeRequest request, CancelSignal cancel) {
        Heard h = new Heard(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
        synth.synthesize(request, new SynthesisListener() {
            @Override public void onAudio(AudioChunk c) { h.chunks.add(c); }
            @Override public void onStageEvent(StageEvent e) { h.events.add(e); }
            @Override public void onFinished() { h.ends.add("finished"); }
            @Override public void onCancelled() { h.ends.add("cancelled"); }
            @Override public void onFailed(Throwable t) { h.ends.add("failed: " + t); }
        }, cancel);
        return h;
    }

    @Test
    void theDemoModelStreamsATakeThroughEveryStage() throws Exception {
        try (PipelineSynthesizer synth = PipelineSynthesizer.open(dir.resolve("demo"), id -> { throw new IOException("no voices here"); })) {
            assertEquals(24000, synth.sampleRate());
            synth.prepare(DJL);
            Heard h = run(synth, new TakeRequest("Hi there.", null, "en", 1.0, 7, DJL), new CancelSignal());
            assertEquals(List.of("finished"), h.ends);
            assertTrue(h.chunks.getLast().last());
            for (int i = 0; i < h.chunks.size(); i++) assertEquals(i, h.chunks.get(i).index(), "chunks numbered in order");
            assertTrue(h.chunks.stream().mapToInt(c -> c.samples().length).sum() > 0);
            Set<Stage> seen = EnumSet.noneOf(Stage.class);
            h.events.forEach(e -> seen.add(e.stage()));
            assertEquals(EnumSet.allOf(Stage.class), seen);
        }
    }

    @Test
    void cancelBeforeTheFirstChunkEndsAsCancelled() throws Exception {
        try (PipelineSynthesizer synth = PipelineSynthesizer.open(dir.resolve("demo"), id -> { throw new IOException("no voices here"); })) {
            CancelSignal cancel = new CancelSignal();
            cancel.cancel();
            Heard h = run(synth, new TakeRequest("Hi there.", null, "en", 1.0, 7, DJL), cancel);
            assertEquals(List.of("cancelled"), h.ends);
        }
    }

    @Test
    void aMissingVoiceFailsWithTheLibrarysWords() throws Exception {
        try (PipelineSynthesizer synth = PipelineSynthesizer.open(dir.resolve("demo"), id -> { throw new IOException("the voice '" + id + "' is not in the library"); })) {
            Heard h = run(synth, new TakeRequest("Hi.", "ana", "en", 1.0, 7, DJL), new CancelSignal());
            assertEquals(List.of("failed: java.io.IOException: the voice 'ana' is not in the library"), h.ends);
        }
    }

    @Test
    void theVllmPresetStreamsATakeFromAServer() throws Exception {
        Map<Stage, String> vllm = Preset.standard().stream().filter(p -> p.name().equals("vLLM")).findFirst().orElseThrow().engineIds();
        assertEquals("vllm", vllm.get(Stage.LLM));
        Path export = dir.resolve("vllm-export");
        try (ModelFolder folder = ModelFolder.open(dir.resolve("demo"))) {
            VllmExporter.export(folder, export, VllmExporter.Precision.F32);
        }
        try (OpenAiTestServer server = new OpenAiTestServer(export, VllmExporter.SERVED_MODEL_NAME)) {
            System.setProperty("voicestudio.vllm.url", server.url().toString());
            try (PipelineSynthesizer synth = PipelineSynthesizer.open(dir.resolve("demo"), id -> { throw new IOException("no voices here"); })) {
                synth.prepare(vllm);
                Heard h = run(synth, new TakeRequest("Hi there.", null, "en", 1.0, 7, vllm), new CancelSignal());
                assertEquals(List.of("finished"), h.ends);
                assertTrue(h.chunks.stream().mapToInt(c -> c.samples().length).sum() > 0);
                assertTrue(h.events.stream().anyMatch(e -> e.stage() == Stage.LLM && e.items() > 0), "LLM steps came from the server");
            } finally {
                System.clearProperty("voicestudio.vllm.url");
            }
        }
    }
}
