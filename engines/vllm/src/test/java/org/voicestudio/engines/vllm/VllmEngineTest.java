package org.voicestudio.engines.vllm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.engines.djl.llm.DjlSpeechLanguageModel;
import org.voicestudio.inference.llm.LlmRequest;
import org.voicestudio.inference.llm.SilenceThrottle;
import org.voicestudio.inference.llm.SpeechLanguageModel.LmSession;
import org.voicestudio.inference.llm.TokenBudget;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * End to end over a real socket: cv3-tiny exported by {@link VllmExporter}, served by
 * {@link OpenAiTestServer} (which runs the export on the DJL Qwen2 backbone like vLLM would run
 * it), read by {@link VllmSpeechTokenSource}, compared with the DJL engine on the original model.
 */
class VllmEngineTest {
    private static final String NAME = VllmExporter.SERVED_MODEL_NAME;

    @TempDir static Path exportDir;
    static ModelFolder tiny;
    static SpeechVocabulary vocab;

    static final int[] PROMPT_TEXT = Golden.tensor("llm_prompt_text").toInts();
    static final int[] TEXT = Golden.tensor("llm_text").toInts();
    static final int[] PROMPT_SPEECH = Golden.tensor("llm_prompt_speech_token").toInts();

    @BeforeAll
    static void export() throws IOException {
        tiny = ModelFolder.open(Golden.tinyModel());
        VllmExporter.export(tiny, exportDir, VllmExporter.Precision.F32);
        vocab = VllmExporter.readVocabulary(exportDir);
    }

    @AfterAll
    static void close() {
        tiny.close();
    }

    private static VllmClient client(URI url, Duration timeout) {
        return new VllmClient(url, NAME, Duration.ofSeconds(2), timeout, 2);
    }

    private static VllmSpeechTokenSource source(VllmClient client) {
        return new VllmSpeechTokenSource(client, vocab, VllmSpeechTokenSource.ServerSampling.greedy(), 25);
    }

    private static List<Integer> generate(VllmSpeechTokenSource source, List<StageEvent> events) throws Exception {
        List<Integer> tokens = new ArrayList<>();
        source.generate(PROMPT_TEXT, TEXT, PROMPT_SPEECH, 7, tokens::add, events::add, () -> false);
        return tokens;
    }

    /** Greedy decode on the DJL engine with the same length rules and throttle as the server path. */
    private static List<Integer> djlGreedy() {
        return djlGreedy(tiny, vocab, PROMPT_TEXT, TEXT, PROMPT_SPEECH);
    }

    static List<Integer> djlGreedy(ModelFolder model, SpeechVocabulary v, int[] promptText, int[] text, int[] promptSpeech) {
        LlmRequest request = new LlmRequest(promptText, text, promptSpeech);
        TokenBudget.UntilStop budget = request.defaultBudget();
        SilenceThrottle throttle = SilenceThrottle.cosyVoice3(v.speechTokenSize());
        int firstStop = v.speechTokenSize();
        List<Integer> out = new ArrayList<>();
        try (DjlSpeechLanguageModel lm = new DjlSpeechLanguageModel(model);
             LmSession s = lm.start(request.textIds(), promptSpeech)) {
            for (int n = 0; n < budget.maxTokens(); n++) {
                float[] logp = s.logProbs();
                int best = -1;
                for (int i = 0; i < logp.length; i++) {
                    boolean stopId = i >= firstStop;
                    if (stopId && budget.masksStopIds(n)) continue;
                    if (best < 0 || logp[i] > logp[best]) best = i;
                }
                if (best >= firstStop) break;
                if (throttle.forward(best)) out.add(best);
                s.append(best);
            }
        }
        return out;
    }

    /**
     * The demo model's geometry (512 speech codes, 1305 text ids): the speech rows follow its own
     * text vocabulary, its own stop ids are sent, and the served tokens are the DJL engine's.
     */
    @Test
    void theDemoGeometryIsExportedAndServedWithItsOwnIds(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("demo"), out = tmp.resolve("export");
        org.voicestudio.inference.loading.RandomModel.write(model, org.voicestudio.inference.loading.RandomModel.Geometry.DEMO, 8,
                org.voicestudio.inference.tensor.DType.F32);
        try (ModelFolder demo = ModelFolder.open(model)) {
            VllmExporter.export(demo, out, VllmExporter.Precision.F32);
            SpeechVocabulary v = VllmExporter.readVocabulary(out);
            assertEquals(new SpeechVocabulary(1305, 512, 712), v);
            assertEquals(2048, v.paddedVocabSize()); // 1305 + 712 = 2017 -> next multiple of 128
            assertEquals(1305 + 512, v.sosServerId());
            assertEquals(1305 + 514, v.taskIdServerId());
            assertArrayEquals(java.util.stream.IntStream.range(1305 + 512, 1305 + 712).toArray(), v.stopServerIds());
            int[] promptText = {1, 2, 1027, 40, 41}, text = {50, 60, 70, 80}, promptSpeech = {1, 2, 300, 511};
            List<Integer> served = new ArrayList<>();
            try (OpenAiTestServer server = new OpenAiTestServer(out, NAME)) {
                new VllmSpeechTokenSource(client(server.url(), Duration.ofSeconds(30)), v, VllmSpeechTokenSource.ServerSampling.greedy(), 25)
                        .generate(promptText, text, promptSpeech, 3, served::add, e -> { }, () -> false);
            }
            assertEquals(djlGreedy(demo, v, promptText, text, promptSpeech), served);
            for (int t : served) assertTrue(t >= 0 && t < 512, "speech code " + t);
        }
    }

    @Test
    void exportedTinyModelServedOverHttpGivesTheDjlEnginesGreedyTokens() throws Exception {
        try (OpenAiTestServer server = new OpenAiTestServer(exportDir, NAME)) {
            List<StageEvent> events = new ArrayList<>();
            List<Integer> served = generate(source(client(server.url(), Duration.ofSeconds(30))), events);
            List<Integer> reference = djlGreedy();
            assertTrue(served.size() >= 2 * TEXT.length - 5, "the minimum length holds (throttle may drop a few): " + served.size());
            assertEquals(reference, served);
            assertFalse(events.isEmpty());
            assertEquals(served.size(), events.stream().mapToInt(StageEvent::items).sum()
                    - (int) events.stream().filter(e -> e.items() == 1 && e.audioSeconds() == 0).count());
        }
    }

    @Test
    void exportPutsSpeechRowsAfterTheTextVocabularyAndPadsTo128() throws IOException {
        assertEquals(1000, vocab.speechOffset());
        assertEquals(7808, vocab.paddedVocabSize()); // 1000 + 6761 = 7761 -> next multiple of 128
        try (StateDict hf = SafeTensors.read(exportDir.resolve("model.safetensors"))) {
            StateDict llm = tiny.llmWeights();
            float[] embed = hf.get("model.embed_tokens.weight", 7808, 64).toFloats();
            float[] head = hf.get("lm_head.weight", 7808, 64).toFloats();
            float[] speech = llm.get("speech_embedding.weight").toFloats();
            float[] decoder = llm.get("llm_decoder.weight").toFloats();
            float[] text = llm.get("llm.model.model.embed_tokens.weight").toFloats();
            assertArrayEquals(text, java.util.Arrays.copyOfRange(embed, 0, 1000 * 64));
            assertArrayEquals(speech, java.util.Arrays.copyOfRange(embed, 1000 * 64, 7761 * 64));
            assertArrayEquals(decoder, java.util.Arrays.copyOfRange(head, 1000 * 64, 7761 * 64));
            for (int i = 0; i < 1000 * 64; i++) assertEquals(0f, head[i], "text rows of lm_head are zero");
            for (int i = 7761 * 64; i < embed.length; i++) assertEquals(0f, embed[i], "padding rows are zero");
            assertArrayEquals(llm.get("llm.model.model.layers.1.mlp.up_proj.weight").toFloats(),
                    hf.get("model.layers.1.mlp.up_proj.weight").toFloats());
        }
        assertEquals(1000 + 6561, vocab.sosServerId());
        assertEquals(1000 + 6563, vocab.taskIdServerId());
        assertEquals(200, vocab.stopServerIds().length);
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertEquals((short) 0x3f80, VllmExporter.toBf16(1.0f));
        assertEquals((short) 0x3f80, VllmExporter.toBf16(Float.intBitsToFloat(0x3f808000))); // tie -> even
        assertEquals((short) 0x3f82, VllmExporter.toBf16(Float.intBitsToFloat(0x3f818000))); // tie -> even (up)
        assertEquals((short) 0x3f81, VllmExporter.toBf16(Float.intBitsToFloat(0x3f808001)));
    }

    @Test
    void refusedConnectionSaysNoServerAnswers() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) { port = s.getLocalPort(); }
        VllmClient client = new VllmClient(URI.create("http://127.0.0.1:" + port), NAME, Duration.ofSeconds(1), Duration.ofSeconds(2), 1);
        VllmClient.VllmException e = assertThrows(VllmClient.VllmException.class, client::checkHealth);
        assertTrue(e.getMessage().contains("no vLLM server answers"), e.getMessage());
        Exception g = assertThrows(Exception.class, () -> generate(source(client), new ArrayList<>()));
        assertTrue(g.getMessage().contains("no vLLM server answers"), g.getMessage());
    }

    @Test
    void serverOfAnotherModelIsNamedInTheError() throws Exception {
        try (OpenAiTestServer server = new OpenAiTestServer(exportDir, "Qwen2.5-7B-Instruct")) {
            VllmClient client = client(server.url(), Duration.ofSeconds(5));
            VllmClient.VllmException e = assertThrows(VllmClient.VllmException.class, client::checkHealth);
            assertTrue(e.getMessage().contains("Qwen2.5-7B-Instruct") && e.getMessage().contains(NAME), e.getMessage());
            Exception g = assertThrows(Exception.class, () -> generate(source(client), new ArrayList<>()));
            assertTrue(g.getMessage().contains("HTTP 404"), g.getMessage());
        }
    }

    @Test
    void textTokensFromTheServerAreRejected() throws Exception {
        try (OpenAiTestServer server = new OpenAiTestServer(exportDir, NAME)) {
            server.forcedId = 42; // a text id: the server ignores allowed_token_ids or serves another vocabulary
            Exception e = assertThrows(Exception.class, () -> generate(source(client(server.url(), Duration.ofSeconds(5))), new ArrayList<>()));
            assertTrue(e.getMessage().contains("not a speech token"), e.getMessage());
        }
    }

    @Test
    void serverErrorsBeforeTheFirstTokenAreRetriedThenReported() throws Exception {
        try (OpenAiTestServer server = new OpenAiTestServer(exportDir, NAME)) {
            server.failuresToSend.set(2); // client retries twice: the third attempt succeeds
            assertFalse(generate(source(client(server.url(), Duration.ofSeconds(30))), new ArrayList<>()).isEmpty());
            assertEquals(3, server.completions.get());

            server.failuresToSend.set(10);
            Exception e = assertThrows(Exception.class, () -> generate(source(client(server.url(), Duration.ofSeconds(5))), new ArrayList<>()));
            assertTrue(e.getMessage().contains("HTTP 500") && e.getMessage().contains("engine busy"), e.getMessage());
        }
    }

    @Test
    void truncatedStreamIsAnErrorNotASilentEnd() throws Exception {
        try (OpenAiTestServer server = new OpenAiTestServer(exportDir, NAME)) {
            server.cutStreamAfter = 5;
            Exception e = assertThrows(Exception.class, () -> generate(source(client(server.url(), Duration.ofSeconds(5))), new ArrayList<>()));
            assertTrue(e.getMessage().contains("ended before the completion finished"), e.getMessage());
        }
    }

    @Test
    void stalledStreamTimesOut() throws Exception {
        try (OpenAiTestServer server = new OpenAiTestServer(exportDir, NAME)) {
            server.delayPerTokenMillis = 3_000;
            long t0 = System.nanoTime();
            Exception e = assertThrows(Exception.class, () -> generate(source(client(server.url(), Duration.ofMillis(500))), new ArrayList<>()));
            assertTrue(e.getMessage().contains("stopped sending tokens"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 2_500_000_000L, "gave up after the stall limit, not at the next token");
        }
    }

    @Test
    void cancellingStopsTheStreamPromptly() throws Exception {
        try (OpenAiTestServer server = new OpenAiTestServer(exportDir, NAME)) {
            server.delayPerTokenMillis = 20;
            List<Integer> tokens = new ArrayList<>();
            source(client(server.url(), Duration.ofSeconds(5))).generate(PROMPT_TEXT, TEXT, PROMPT_SPEECH, 7, tokens::add, e -> {},
                    () -> tokens.size() >= 3);
            assertEquals(3, tokens.size());
        }
    }
}
