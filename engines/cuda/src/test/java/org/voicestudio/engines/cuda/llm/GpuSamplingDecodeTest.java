package org.voicestudio.engines.cuda.llm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaProbe;
import org.voicestudio.engines.cuda.CudaTesting;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.llm.GenerationResult;
import org.voicestudio.inference.llm.RasSampler;
import org.voicestudio.inference.llm.StopTokens;
import org.voicestudio.inference.llm.TokenBudget;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPU, cv3-tiny: a whole utterance decoded with on-GPU sampling (the sampler inside the captured
 * step, k steps per read-back) is token for token the utterance the host loop decodes with
 * {@link RasSampler} over the same session kind and the same Philox uniforms. fp32: both paths
 * compute the same log-probs with the same kernels, so any difference is the sampler's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuSamplingDecodeTest {
    private StateDict llm;
    private CudaContext ctx;

    @BeforeAll
    void open() throws IOException {
        if (!CudaProbe.probe().available()) return;
        llm = PtReader.readStateDict(Golden.tinyModel().resolve("llm.pt"));
        ctx = CudaContext.open(0);
    }

    @BeforeEach
    void needsGpu() { CudaTesting.assumeCudaDevice(); }

    @AfterAll
    void close() {
        if (ctx != null) ctx.close();
        if (llm != null) llm.close();
    }

    private static int[] text() {
        int[] a = Golden.tensor("llm_prompt_text").toInts(), b = Golden.tensor("llm_text").toInts();
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The host loop of SpeechTokenGenerator without throttle and events: kept ids and how it ended. */
    private static GenerationResult.StopReason hostDecode(CudaSpeechLanguageModel.Session s, LlmConfig c, TokenBudget budget,
                                                         long seed, int[][] kept) {
        RasSampler sampler = new RasSampler(c.sampling(), new PhiloxRandom(seed));
        StopTokens stops = StopTokens.of(c);
        int[] out = new int[budget.maxTokens()];
        int count = 0;
        GenerationResult.StopReason reason = budget instanceof TokenBudget.Fixed ? GenerationResult.StopReason.BUDGET_USED
                : GenerationResult.StopReason.MAX_TOKENS;
        for (int step = 0; step < budget.maxTokens(); step++) {
            if (step > 0) s.append(out[count - 1]);
            float[] logp = s.logProbs();
            if (budget.masksStopIds(step)) stops.mask(logp);
            int token = sampler.sample(logp, out, count);
            if (stops.contains(token)) {
                reason = GenerationResult.StopReason.STOP_TOKEN;
                break;
            }
            out[count++] = token;
        }
        kept[0] = Arrays.copyOf(out, count);
        return reason;
    }

    private void gpuMatchesHost(boolean graph, TokenBudget budget, long seed, int batch) {
        LlmConfig c = TinyLlmConfig.tiny();
        int[] text = text();
        int[] prompt = Golden.tensor("llm_prompt_speech_token").toInts();
        try (CudaSpeechLanguageModel model = CudaSpeechLanguageModel.load(ctx, false, c, llm, LlmPrecision.FP32, 256, graph)) {
            int[][] host = new int[1][];
            GenerationResult.StopReason hostReason;
            try (CudaSpeechLanguageModel.Session s = model.start(text, prompt)) {
                hostReason = hostDecode(s, c, budget, seed, host);
            }
            try (CudaSpeechLanguageModel.Session s = model.start(text, prompt);
                 CudaSpeechLanguageModel.Session.GpuDecode d = s.sampleOnGpu(c.sampling(), budget, seed)) {
                int[] all = new int[0];
                int calls = 0;
                while (!d.finished()) {
                    int[] fresh = d.next(batch);
                    assertTrue(fresh.length <= batch);
                    int from = all.length;
                    all = Arrays.copyOf(all, from + fresh.length);
                    System.arraycopy(fresh, 0, all, from, fresh.length);
                    assertTrue(++calls <= budget.maxTokens() + 1, "decode does not end");
                }
                assertArrayEquals(host[0], all, "on-GPU sampling (" + (graph ? "graph" : "eager") + ", " + batch + " steps per read-back) vs host");
                assertArrayEquals(all, d.tokens());
                assertEquals(hostReason, d.stopReason(budget));
                assertEquals(0, d.next(batch).length, "nothing after the end");
                System.out.printf("GPU sampling %s, batch %d: %d tokens equal to the host loop's, ended by %s%n",
                        graph ? "graph" : "eager", batch, all.length, hostReason);
            }
        }
    }

    @Test
    void graphReplayWithGpuSamplingDecodesWhatTheHostLoopDecodes() {
        gpuMatchesHost(true, new TokenBudget.UntilStop(10, 120), 7, 8);
    }

    @Test
    void oneStepPerReadBackDecodesTheSame() {
        gpuMatchesHost(true, new TokenBudget.UntilStop(10, 120), 7, 1);
    }

    @Test
    void eagerLaunchesWithGpuSamplingDecodeWhatTheHostLoopDecodes() {
        gpuMatchesHost(false, new TokenBudget.Fixed(40), 11, 5);
    }

    /**
     * The pipeline's source with on-GPU sampling against the official decode loop
     * ({@code SpeechTokenGenerator}) over host sampling with the same Philox uniforms: the same
     * tokens, the same tokens through the silence throttle to the sink, one event per step, the
     * same end.
     */
    @Test
    void tokenSourceWithGpuSamplingMatchesTheOfficialDecodeLoop() throws InterruptedException {
        var config = TinyLlmConfig.llmOnly();
        long seed = 3;
        var request = new org.voicestudio.inference.llm.LlmRequest(Golden.tensor("llm_prompt_text").toInts(),
                Golden.tensor("llm_text").toInts(), Golden.tensor("llm_prompt_speech_token").toInts());
        try (CudaSpeechLanguageModel model = CudaSpeechLanguageModel.load(ctx, false, config.llm(), llm, LlmPrecision.FP32, 1024, true)) {
            var hostSink = new java.util.ArrayList<Integer>();
            var hostEvents = new java.util.ArrayList<org.voicestudio.inference.metrics.StageEvent>();
            GenerationResult host = new org.voicestudio.inference.llm.SpeechTokenGenerator(model, config).generate(request,
                    request.defaultBudget(), new RasSampler(config.llm().sampling(), new PhiloxRandom(seed)), hostSink::add,
                    hostEvents::add, () -> false);
            var gpuSink = new java.util.ArrayList<Integer>();
            var gpuEvents = new java.util.ArrayList<org.voicestudio.inference.metrics.StageEvent>();
            GenerationResult gpu = new CudaTokenSource(model, config, 8, false).generate(request, request.defaultBudget(), seed,
                    gpuSink::add, gpuEvents::add, () -> false);
            assertArrayEquals(host.generated(), gpu.generated());
            assertEquals(hostSink, gpuSink);
            assertEquals(host.forwarded(), gpu.forwarded());
            assertEquals(host.reason(), gpu.reason());
            assertEquals(hostEvents.size(), gpuEvents.size(), "one event per step");
            for (int i = 0; i < hostEvents.size(); i++) {
                assertEquals(hostEvents.get(i).chunk(), gpuEvents.get(i).chunk());
                assertEquals(hostEvents.get(i).items(), gpuEvents.get(i).items());
                assertEquals(hostEvents.get(i).audioSeconds(), gpuEvents.get(i).audioSeconds());
            }
            System.out.printf("CudaTokenSource: %d tokens (%d to the flow stage) equal to SpeechTokenGenerator's, ended by %s%n",
                    gpu.tokenCount(), gpu.forwarded(), gpu.reason());
        }
    }

    @Test
    void tokenSourceStopsWhenCancelled() throws InterruptedException {
        var config = TinyLlmConfig.llmOnly();
        var request = new org.voicestudio.inference.llm.LlmRequest(new int[0], new int[] {5, 6, 7}, new int[] {1, 2});
        try (CudaSpeechLanguageModel model = CudaSpeechLanguageModel.load(ctx, false, config.llm(), llm, LlmPrecision.FP32, 256, true)) {
            int[] checks = {0};
            GenerationResult r = new CudaTokenSource(model, config, 4, false).generate(request, new TokenBudget.Fixed(40), 1,
                    t -> { }, e -> { }, () -> ++checks[0] > 3);   // checked at the start, then before each batch
            assertEquals(GenerationResult.StopReason.CANCELLED, r.reason());
            assertEquals(8, r.tokenCount(), "two batches of 4 before the cancellation");
        }
    }

    @Test
    void aSessionHasOneGpuDecodeAtATime() {
        LlmConfig c = TinyLlmConfig.tiny();
        try (CudaSpeechLanguageModel model = CudaSpeechLanguageModel.load(ctx, false, c, llm, LlmPrecision.FP32, 64, true);
             CudaSpeechLanguageModel.Session s = model.start(new int[] {1, 2}, new int[] {3})) {
            var d = s.sampleOnGpu(c.sampling(), new TokenBudget.Fixed(4), 1);
            assertThrows(IllegalStateException.class, () -> s.sampleOnGpu(c.sampling(), new TokenBudget.Fixed(4), 1));
            d.close();
            s.sampleOnGpu(c.sampling(), new TokenBudget.Fixed(4), 1).close();
        }
    }
}
