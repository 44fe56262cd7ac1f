package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The vocoder stage at the full Fun-CosyVoice3-0.5B HiFT geometry (base 512 channels, F0 cond 512) with random
 * weights and a random mel, 10 s and 20 s of audio, final calls, both paths in the same run:
 * <ul>
 * <li>host glue ({@code -Dvoicestudio.cuda.vocoder.glue=host}): host F0 float64 + source + STFT, GPU decoder fp32,
 *     host iSTFT ({@link CausalHift});</li>
 * <li>GPU ({@link CudaCausalHift}, the default): upload mel, everything on the device, download audio;</li>
 * </ul>
 * plus the float64 F0 predictor on each side and the decoder alone, and how far the two paths' outputs are apart.
 * Reports median wall times and the vocoder RTF = wall time / audio duration.
 *
 * <pre>java -cp ... org.voicestudio.engines.cuda.vocoder.VocoderBench [--out results.md]</pre>
 */
public final class VocoderBench {
    private VocoderBench() {}

    /** cosyvoice3.yaml's hift (reference §5): the tiny fixture's layout at base_channels 512, cond_channels 512. */
    static final HiftConfig FULL = new HiftConfig(80, 512, 8, 24000, 0.1, 0.003, 10,
            new int[] {8, 5, 3}, new int[] {16, 11, 7}, 16, 4,
            new int[] {3, 7, 11}, new int[][] {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}},
            new int[] {7, 7, 11}, new int[][] {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}},
            0.1, 0.99, 4, 512);
    private static final int[] SECONDS = {10, 20};
    private static final int FRAMES_PER_SECOND = 50;   // 24000 / 480
    private static final int RUNS = 5;
    private static final long NOISE_SEED = 1986L;

    public static void main(String[] args) throws IOException {
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) out = Path.of(args[++i]);
            else throw new IllegalArgumentException("unknown argument " + args[i] + "; expected --out FILE");
        }
        StringBuilder sb = new StringBuilder();
        HiftConfig c = FULL;
        try (CudaContext ctx = CudaContext.open(0)) {
            sb.append("device: ").append(ctx.info()).append("; ").append(Runtime.getRuntime().availableProcessors()).append(" host cores\n\n");
            sb.append("Vocoder (one final inference call), full HiFT geometry, random weights and mel, median of ")
                    .append(RUNS).append(" after 1 warm-up. host glue = host F0 (float64) + host source/STFT/iSTFT around the GPU decoder ")
                    .append("(-Dvoicestudio.cuda.vocoder.glue=host); GPU = everything on the device (default); direct = hift.cu's conv kernel ")
                    .append("(-Dvoicestudio.cuda.vocoder.convs=direct); GEMM = im2col + cuBLAS SGEMM, fp32, no TF32 (default); ")
                    .append("eager / ops / graph = -Dvoicestudio.cuda.vocoder.replay (launches built every call / kept per call shape (default) / ")
                    .append("one CUDA graph per call shape). Last column: max |audio - host-glue audio| (same weights, noise and mel).\n\n");
            sb.append("| audio s | path | ms | RTF | vs host glue (max abs) |\n|---|---|---|---|---|\n");
            StringBuilder parts = new StringBuilder("| audio s | host F0 ms | GPU F0 ms | F0 GPU vs host (max rel) | decoder direct ms | decoder GEMM ms |\n|---|---|---|---|---|---|\n");
            SplittableRandom rnd = new SplittableRandom(5);
            HiftPlan plan = new HiftPlan(c, (key, shape) -> random(rnd, key, shape));
            HostF0Predictor hostF0 = new HostF0Predictor(randomF0(rnd, c), c.inChannels(), c.f0CondChannels());
            float[] linear = new float[c.nbHarmonics() + 1];
            for (int i = 0; i < linear.length; i++) linear[i] = (float) (rnd.nextDouble(-1, 1) / 3);
            int harmonics = c.nbHarmonics() + 1;
            CudaHiftDecoder hostDecoder = new CudaHiftDecoder(ctx, c, plan, CudaHiftDecoder.Convs.DIRECT);
            Map<String, CudaCausalHift> gpuPaths = new LinkedHashMap<>();
            try (CausalHift hostGlue = new CausalHift(c, hostF0, hostDecoder, linear, 0.01f, VocoderNoise.seeded(NOISE_SEED, harmonics));
                 CudaHiftDecoder gemmDecoder = new CudaHiftDecoder(ctx, c, plan, CudaHiftDecoder.Convs.GEMM);
                 CudaF0Predictor gpuF0 = new CudaF0Predictor(ctx, hostF0)) {
                gpuPaths.put("GPU + direct convs (ops)", gpu(ctx, c, plan, hostF0, linear, CudaHiftDecoder.Convs.DIRECT, CudaCausalHift.Replay.OPS));
                gpuPaths.put("GPU + GEMM convs (eager)", gpu(ctx, c, plan, hostF0, linear, CudaHiftDecoder.Convs.GEMM, CudaCausalHift.Replay.EAGER));
                gpuPaths.put("GPU + GEMM convs (ops) = default", gpu(ctx, c, plan, hostF0, linear, CudaHiftDecoder.Convs.GEMM, CudaCausalHift.Replay.OPS));
                gpuPaths.put("GPU + GEMM convs (graph)", gpu(ctx, c, plan, hostF0, linear, CudaHiftDecoder.Convs.GEMM, CudaCausalHift.Replay.GRAPH));
                for (int s : SECONDS) {
                    int frames = s * FRAMES_PER_SECOND;
                    float[] m = new float[c.inChannels() * frames];
                    for (int i = 0; i < m.length; i++) m[i] = (float) (rnd.nextGaussian() * 2 - 6);
                    Mel mel = new Mel(c.inChannels(), frames, m);
                    double audioMs = s * 1000.0;
                    double h = median(time(() -> hostGlue.inference(mel, true)));
                    float[] reference = hostGlue.inference(mel, true);
                    row(sb, String.format(Locale.ROOT, "| %d | host glue + direct convs (previous path) | %.1f | %.4f | 0 |%n", s, h, h / audioMs));
                    for (var e : gpuPaths.entrySet()) {
                        CudaCausalHift v = e.getValue();
                        double ms = median(time(() -> v.inference(mel, true)));
                        double diff = maxAbs(reference, v.inference(mel, true));
                        row(sb, String.format(Locale.ROOT, "| %d | %s | %.1f | %.4f | %.2g |%n", s, e.getKey(), ms, ms / audioMs, diff));
                        if (v.graphFailure() != null) row(sb, "| " + s + " | graph capture failed, ops replayed: " + v.graphFailure().replace('|', '/') + " | | | |\n");
                    }
                    int stftFrames = 120 * frames + 1;
                    float[] stft = new float[18 * stftFrames];
                    for (int i = 0; i < stft.length; i++) stft[i] = (float) rnd.nextGaussian();
                    double hostF0Ms = median(time(() -> hostF0.forward(mel, true)));
                    double gpuF0Ms = median(time(() -> gpuF0.forward(mel, true)));
                    double decDirect = median(time(() -> hostDecoder.forward(mel, stft, stftFrames, true)));
                    double decGemm = median(time(() -> gemmDecoder.forward(mel, stft, stftFrames, true)));
                    double f0Rel = maxRelative(hostF0.forward(mel, true), gpuF0.forward(mel, true));
                    row(parts, String.format(Locale.ROOT, "| %d | %.1f | %.2f | %.2g | %.1f | %.1f |%n", s, hostF0Ms, gpuF0Ms, f0Rel, decDirect, decGemm));
                }
            } finally {
                for (CudaCausalHift v : gpuPaths.values()) v.close();
            }
            sb.append("\nParts (same runs):\n\n").append(parts);
        }
        System.out.println(sb);
        if (out != null) Files.writeString(out, sb.toString(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** An all-GPU vocoder over the benchmark's plan and F0 weights (its own decoder and device copies). */
    private static CudaCausalHift gpu(CudaContext ctx, HiftConfig c, HiftPlan plan, HostF0Predictor f0, float[] linear,
                                      CudaHiftDecoder.Convs convs, CudaCausalHift.Replay replay) {
        return new CudaCausalHift(ctx, c, new CudaF0Predictor(ctx, f0), new CudaHiftDecoder(ctx, c, plan, convs), linear, 0.01f,
                VocoderNoise.seeded(NOISE_SEED, c.nbHarmonics() + 1), replay);
    }

    private static void row(StringBuilder sb, String row) {
        sb.append(row);
        System.out.print(row);
    }

    private static double median(double[] sortedMs) { return sortedMs[sortedMs.length / 2]; }

    private static double maxRelative(double[] expected, double[] actual) {
        if (expected.length != actual.length) return Double.NaN;
        double max = 0;
        for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - actual[i]) / Math.max(1e-3, Math.abs(expected[i])));
        return max;
    }

    private static double maxAbs(float[] expected, float[] actual) {
        if (expected.length != actual.length) return Double.NaN;
        double max = 0;
        for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - actual[i]));
        return max;
    }

    /** Uniform weights scaled by 1/sqrt(fan-in) so activations stay O(1); Snake alphas near 1. */
    private static float[] random(SplittableRandom rnd, String key, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        if (key.endsWith(".alpha")) {
            Arrays.fill(v, 1f);
            return v;
        }
        int fanIn = shape.length == 3 ? shape[1] * shape[2] : 1;
        double scale = key.endsWith("bias") ? 0.01 : Math.sqrt(3.0 / fanIn);
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble(-scale, scale);
        return v;
    }

    /** The un-fused f0_predictor entries HostF0Predictor reads. */
    private static StateDict randomF0(SplittableRandom rnd, HiftConfig c) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        int cond = c.f0CondChannels();
        for (int i = 0; i < 5; i++) {
            String p = "f0_predictor.condnet." + (2 * i) + ".";
            int in = i == 0 ? c.inChannels() : cond, k = i == 0 ? 4 : 3;
            t.put(p + "parametrizations.weight.original0", Tensor.ofFloats(random(rnd, "g", cond, 1, 1), cond, 1, 1));
            t.put(p + "parametrizations.weight.original1", Tensor.ofFloats(random(rnd, p + "weight", cond, in, k), cond, in, k));
            t.put(p + "bias", Tensor.ofFloats(random(rnd, p + "bias", cond), cond));
        }
        t.put("f0_predictor.classifier.weight", Tensor.ofFloats(random(rnd, "w", 1, cond), 1, cond));
        t.put("f0_predictor.classifier.bias", Tensor.ofFloats(new float[] {100f}, 1));
        return StateDict.of("random f0_predictor", t);
    }

    private static double[] time(Supplier<?> call) {
        call.get();
        double[] ms = new double[RUNS];
        for (int r = 0; r < RUNS; r++) {
            long t0 = System.nanoTime();
            call.get();
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }
}
