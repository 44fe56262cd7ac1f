package org.voicestudio.engines.cuda.llm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaProbe;
import org.voicestudio.engines.cuda.CudaTesting;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;
import org.voicestudio.inference.llm.RasSampler;
import org.voicestudio.inference.llm.StopTokens;
import org.voicestudio.inference.llm.TokenBudget;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPU: the {@code ras_sample} kernel alone picks exactly the ids the Java {@link RasSampler} picks,
 * given the same log-probs and the same uniforms, with the stop/length rules of the host loop
 * ({@code SpeechTokenGenerator}: stop ids masked below the minimum length, a stop id ends the
 * utterance and is not kept, the repetition window is the kept tokens).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuSamplerTest {
    private static final int V = 6761;
    private static final StopTokens STOPS = new StopTokens(6561, 6761);
    private static final SamplingConfig COSYVOICE3 = new SamplingConfig(0.8, 25, 10, 0.1);

    private CudaContext ctx;

    @BeforeAll
    void open() {
        if (CudaProbe.probe().available()) ctx = CudaContext.open(0);
    }

    @BeforeEach
    void needsGpu() { CudaTesting.assumeCudaDevice(); }

    @AfterAll
    void close() {
        if (ctx != null) ctx.close();
    }

    /** A uniform source replaying a list, as the GPU's injected uniforms do. */
    private static final class Replay implements RandomGenerator {
        private final double[] u;
        private int next;

        Replay(double[] u) { this.u = u; }

        @Override public long nextLong() { throw new UnsupportedOperationException("RasSampler draws doubles"); }

        @Override public double nextDouble() { return u[next++]; }

        int drawn() { return next; }
    }

    /**
     * Log-prob rows that exercise every branch: a few dominant ids (so the nucleus pick repeats
     * within the window and the full-softmax resample runs), scores on a 0.25 grid (equal
     * probabilities, so the stable order matters), occasional -inf entries, and stop ids strong
     * enough to be drawn once unmasked when {@code stopBoost} is set.
     */
    private static float[][] rows(int n, long seed, boolean stopBoost) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] out = new float[n][V];
        for (float[] row : out) {
            double max = Double.NEGATIVE_INFINITY;
            double[] logits = new double[V];
            for (int i = 0; i < V; i++) {
                logits[i] = Math.round(r.nextGaussian() * 1.5 * 4) / 4.0;
                if (i % 97 == 0) logits[i] += 7;          // ~70 strong ids
                if (i == 11 || i == 12) logits[i] += 9;   // two dominant ids with equal scores
                if (stopBoost && i >= STOPS.first() && i < STOPS.first() + 3) logits[i] += 12;
                max = Math.max(max, logits[i]);
            }
            double sum = 0;
            for (double l : logits) sum += Math.exp(l - max);
            double lse = max + Math.log(sum);
            for (int i = 0; i < V; i++) row[i] = (float) (logits[i] - lse);
            if (r.nextInt(4) == 0) row[r.nextInt(V)] = Float.NEGATIVE_INFINITY;
        }
        return out;
    }

    /** What the host loop decodes from these rows: ids kept, then the stop id (or -1). */
    private record Decoded(int[] kept, int stopId, int uniformsDrawn) {}

    private static Decoded hostDecode(float[][] rows, TokenBudget budget, RandomGenerator uniforms) {
        RasSampler sampler = new RasSampler(COSYVOICE3, uniforms);
        int[] out = new int[budget.maxTokens()];
        int count = 0, stop = -1;
        for (int step = 0; step < Math.min(budget.maxTokens(), rows.length); step++) {
            float[] logp = rows[step].clone();
            if (budget.masksStopIds(step)) STOPS.mask(logp);
            int token = sampler.sample(logp, out, count);
            if (STOPS.contains(token)) {
                stop = token;
                break;
            }
            out[count++] = token;
        }
        return new Decoded(Arrays.copyOf(out, count), stop, uniforms instanceof Replay r ? r.drawn() : -1);
    }

    private Decoded gpuDecode(float[][] rows, TokenBudget budget, long seed, double[] uniforms) {
        ctx.makeCurrent();
        try (DeviceBuffer logp = ctx.allocate(V * 4L);
             DeviceBuffer next = ctx.allocate(4);
             GpuSampler s = new GpuSampler(ctx, Ptr.of(logp, 0), V, Ptr.of(next, 0), COSYVOICE3, STOPS, budget, seed, uniforms)) {
            List<Integer> kept = new ArrayList<>();
            int[] gen = new int[GpuSampler.GEN_INTS];
            for (int step = 0; step < Math.min(budget.maxTokens(), rows.length); step++) {
                logp.upload(rows[step], 0);
                s.launch.enqueue(ctx.stream());
                ctx.synchronize();
                gen = s.gen.downloadInts(0, GpuSampler.GEN_INTS);
                assertTrue(gen[GpuSampler.DONE] < GpuSampler.BAD_SCORES, "sampler failed at step " + step + ": " + GpuSampler.describe(gen[GpuSampler.DONE]));
                assertEquals(step + 1, gen[GpuSampler.STEP]);
                if (gen[GpuSampler.DONE] == GpuSampler.STOPPED) break;
                int token = next.downloadInts(0, 1)[0];
                assertEquals(token, gen[GpuSampler.LAST]);
                kept.add(token);
                if (gen[GpuSampler.DONE] != GpuSampler.RUNNING) break;
            }
            int[] list = gen[GpuSampler.COUNT] > 0 ? s.tokens.downloadInts(0, gen[GpuSampler.COUNT]) : new int[0];
            assertArrayEquals(kept.stream().mapToInt(Integer::intValue).toArray(), list, "device token list");
            int stop = gen[GpuSampler.DONE] == GpuSampler.STOPPED ? gen[GpuSampler.LAST] : -1;
            return new Decoded(list, stop, gen[GpuSampler.UNIFORMS]);
        }
    }

    private static double[] uniforms(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] u = new double[n];
        for (int i = 0; i < n; i++) u[i] = r.nextDouble();
        u[0] = 0.0;                     // edge: the first nucleus token
        u[1] = Math.nextDown(1.0);      // edge: rounds up to the total
        return u;
    }

    @Test
    void injectedUniformsGiveExactlyTheIdsRasSamplerPicks() {
        float[][] rows = rows(300, 1, false);
        TokenBudget budget = new TokenBudget.Fixed(300);
        double[] u = uniforms(700, 2);
        Decoded host = hostDecode(rows, budget, new Replay(u));
        Decoded gpu = gpuDecode(rows, budget, 0, u);
        assertArrayEquals(host.kept(), gpu.kept(), "sampled ids");
        assertEquals(host.uniformsDrawn(), gpu.uniformsDrawn(), "uniforms drawn (one per step, two when resampled)");
        assertTrue(host.uniformsDrawn() > 300 + 20, "the repetition-aware resample ran only " + (host.uniformsDrawn() - 300) + " times");
        System.out.printf("ras_sample: %d ids equal to RasSampler's, %d resamples%n", gpu.kept().length, gpu.uniformsDrawn() - 300);
    }

    @Test
    void stopIdsAreMaskedBelowTheMinimumLengthThenEndTheUtterance() {
        float[][] rows = rows(60, 3, true);
        TokenBudget budget = new TokenBudget.UntilStop(7, 60);
        double[] u = uniforms(200, 4);
        Decoded host = hostDecode(rows, budget, new Replay(u));
        Decoded gpu = gpuDecode(rows, budget, 0, u);
        assertEquals(7, host.kept().length, "the boosted stop ids win right after min_len");
        assertTrue(STOPS.contains(host.stopId()));
        assertArrayEquals(host.kept(), gpu.kept());
        assertEquals(host.stopId(), gpu.stopId());
    }

    @Test
    void maxTokensEndsTheUtteranceWithoutAStopId() {
        float[][] rows = rows(40, 5, false);
        // min = max: stop ids masked throughout (some strong ids of rows() are stop ids), so the
        // utterance can only end by reaching max_tokens
        TokenBudget budget = new TokenBudget.UntilStop(12, 12);
        double[] u = uniforms(100, 6);
        Decoded host = hostDecode(rows, budget, new Replay(u));
        Decoded gpu = gpuDecode(rows, budget, 0, u);
        assertArrayEquals(host.kept(), gpu.kept());
        assertEquals(-1, gpu.stopId());
        assertEquals(12, gpu.kept().length);
    }

    @Test
    void philoxUniformsOnTheGpuAreThoseOfPhiloxRandom() {
        float[][] rows = rows(200, 7, false);
        TokenBudget budget = new TokenBudget.Fixed(200);
        long seed = 0x5eed_0000_1234L;
        Decoded host = hostDecode(rows, budget, new PhiloxRandom(seed));
        Decoded gpu = gpuDecode(rows, budget, seed, null);
        assertArrayEquals(host.kept(), gpu.kept());
        Decoded other = gpuDecode(rows, budget, seed + 1, null);
        assertTrue(!Arrays.equals(gpu.kept(), other.kept()), "another seed samples another utterance");
    }

    @Test
    void nanLogProbsAreReportedNotSampled() {
        float[][] rows = rows(1, 8, false);
        rows[0][100] = Float.NaN;
        ctx.makeCurrent();
        try (DeviceBuffer logp = ctx.allocate(V * 4L);
             DeviceBuffer next = ctx.allocate(4);
             GpuSampler s = new GpuSampler(ctx, Ptr.of(logp, 0), V, Ptr.of(next, 0), COSYVOICE3, STOPS, new TokenBudget.Fixed(4), 1, null)) {
            logp.upload(rows[0], 0);
            s.launch.enqueue(ctx.stream());
            ctx.synchronize();
            assertEquals(GpuSampler.BAD_SCORES, s.gen.downloadInts(0, GpuSampler.GEN_INTS)[GpuSampler.DONE]);
        }
    }
}
