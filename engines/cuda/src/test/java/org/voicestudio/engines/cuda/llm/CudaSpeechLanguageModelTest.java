package org.voicestudio.engines.cuda.llm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaProbe;
import org.voicestudio.engines.cuda.CudaTesting;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.llm.SpeechLanguageModel.LmSession;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.io.UncheckedIOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPU parity of the LLM stage against the official float32 CPU reference (golden {@code llm_*}):
 * the prefill log-probs and 8 teacher-forced decode steps, for both precisions, graph and eager.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaSpeechLanguageModelTest {
    /**
     * fp32, no TF32: the official code on CUDA fp32 differs from its CPU run by 1.9e-6 (golden
     * README); summation order in our kernels/cuBLAS is another such reordering. 1e-4 leaves room.
     */
    private static final double FP32_LOGP_TOL = 1e-4;
    /**
     * bf16 GEMM weights and inputs (8 significant bits, relative rounding 2^-9 = 2e-3 per operand)
     * over 2 layers + head on the tiny model; log-probs have magnitude ~9. Measured on the H200: see
     * docs/benchmarks.md. The gate is several times the measured error, far under the log-prob
     * spread (a wrong kernel moves log-probs by O(1)).
     */
    private static final double BF16_LOGP_TOL = 0.05;

    private StateDict llm;
    private CudaContext ctx;

    @BeforeAll
    void open() throws IOException {
        if (!CudaProbe.probe().available()) return;   // every test is then skipped by needsGpu()
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

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Max |ours - golden| over the prefill row and the 8 step rows. */
    private double[] maxErrors(LlmPrecision precision, boolean graph) {
        return maxErrors(precision, graph, true);
    }

    private double[] maxErrors(LlmPrecision precision, boolean graph, boolean overlap) {
        int[] text = concat(Golden.tensor("llm_prompt_text").toInts(), Golden.tensor("llm_text").toInts());
        int[] prompt = Golden.tensor("llm_prompt_speech_token").toInts();
        int[] teacher = Golden.tensor("llm_teacher_tokens").toInts();
        float[] prefillRef = Golden.tensor("llm_prefill_logp").toFloats();
        float[] stepRef = Golden.tensor("llm_step_logp").toFloats();
        try (CudaSpeechLanguageModel model = CudaSpeechLanguageModel.load(ctx, false, TinyLlmConfig.tiny(), llm, precision, 256, graph);
             LmSession s = model.start(text, prompt, graph, overlap)) {
            int v = model.speechVocabSize();
            assertEquals(6761, v);
            assertEquals(29, s.length());
            double prefill = maxAbs(s.logProbs(), prefillRef, 0, v);
            double steps = 0;
            for (int i = 0; i < teacher.length; i++) {
                s.append(teacher[i]);
                steps = Math.max(steps, maxAbs(s.logProbs(), stepRef, i * v, v));
            }
            assertEquals(29 + teacher.length, s.length());
            System.out.printf("LLM %s %s%s: max |logp - golden| prefill %.3g, 8 steps %.3g%n", precision, graph ? "graph" : "eager",
                    overlap ? "+overlap" : "", prefill, steps);
            return new double[] {prefill, steps};
        }
    }

    private static double maxAbs(float[] ours, float[] ref, int offset, int n) {
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float d = ours[i] - ref[offset + i];
            if (Float.isNaN(d)) return Double.POSITIVE_INFINITY;
            worst = Math.max(worst, Math.abs(d));
        }
        return worst;
    }

    @Test
    void fp32PrefillAndTeacherForcedStepsMatchOfficialLogProbsWithGraphReplay() {
        double[] e = maxErrors(LlmPrecision.FP32, true);
        assertTrue(e[0] < FP32_LOGP_TOL, "prefill max abs error " + e[0]);
        assertTrue(e[1] < FP32_LOGP_TOL, "decode steps max abs error " + e[1]);
    }

    @Test
    void fp32GraphWithoutKernelOverlapMatchesOfficialLogProbs() {
        double[] e = maxErrors(LlmPrecision.FP32, true, false);
        assertTrue(e[0] < FP32_LOGP_TOL, "prefill max abs error " + e[0]);
        assertTrue(e[1] < FP32_LOGP_TOL, "decode steps max abs error " + e[1]);
    }

    @Test
    void fp32EagerLaunchesMatchOfficialLogProbs() {
        double[] e = maxErrors(LlmPrecision.FP32, false);
        assertTrue(e[0] < FP32_LOGP_TOL, "prefill max abs error " + e[0]);
        assertTrue(e[1] < FP32_LOGP_TOL, "decode steps max abs error " + e[1]);
    }

    @Test
    void bf16WeightsStayWithinTheirToleranceOfOfficialLogProbs() {
        double[] e = maxErrors(LlmPrecision.BF16, true);
        assertTrue(e[0] < BF16_LOGP_TOL, "prefill max abs error " + e[0]);
        assertTrue(e[1] < BF16_LOGP_TOL, "decode steps max abs error " + e[1]);
    }

    @Test
    void engineLoadsTheLlmFromAModelFolderAndMatchesOfficialPrefill() {
        int[] text = concat(Golden.tensor("llm_prompt_text").toInts(), Golden.tensor("llm_text").toInts());
        int[] prompt = Golden.tensor("llm_prompt_speech_token").toInts();
        float[] ref = Golden.tensor("llm_prefill_logp").toFloats();
        try (ModelFolder folder = new ModelFolder(Golden.tinyModel(), TinyLlmConfig.llmOnly());
             SpeechLanguageModel lm = Engines.require("cuda").loadLlm(folder);
             LmSession s = lm.start(text, prompt)) {
            assertTrue(maxAbs(s.logProbs(), ref, 0, ref.length) < FP32_LOGP_TOL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void outOfVocabularyTokensAreRejectedWithTheirIndex() {
        try (CudaSpeechLanguageModel model = CudaSpeechLanguageModel.load(ctx, false, TinyLlmConfig.tiny(), llm, LlmPrecision.FP32, 64, true)) {
            var e = assertThrows(IllegalArgumentException.class, () -> model.start(new int[] {1, 1000}, new int[0]));
            assertTrue(e.getMessage().contains("index 1"), e.getMessage());
            try (LmSession s = model.start(new int[] {1, 2}, new int[] {3})) {
                assertThrows(IllegalArgumentException.class, () -> s.append(6761));
            }
        }
    }
}
