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
 * weights and a random mel: one final {@link CausalHift#inference} call (host F0 float64 + source + STFT, GPU
 * decoder fp32, host iSTFT) for 10 s and 20 s of audio, and its two networks alone. Reports median wall times and
 * the vocoder RTF = wall time / audio duration.
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
    private static final int RUNS = 3;

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
            sb.append("Vocoder (CausalHift.inference, final call), full HiFT geometry, random weights and mel, median of ")
                    .append(RUNS).append(" after 1 warm-up\n\n");
            sb.append("| audio s | mel frames | total ms | host F0 (float64) ms | GPU decoder ms | vocoder RTF |\n|---|---|---|---|---|---|\n");
            SplittableRandom rnd = new SplittableRandom(5);
            HiftPlan plan = new HiftPlan(c, (key, shape) -> random(rnd, key, shape));
            HostF0Predictor f0 = new HostF0Predictor(randomF0(rnd, c), c.inChannels(), c.f0CondChannels());
            CudaHiftDecoder decoder = new CudaHiftDecoder(ctx, c, plan);
            float[] linear = new float[c.nbHarmonics() + 1];
            for (int i = 0; i < linear.length; i++) linear[i] = (float) (rnd.nextDouble(-1, 1) / 3);
            try (CausalHift hift = new CausalHift(c, f0, decoder, linear, 0.01f, VocoderNoise.seeded(1986L, c.nbHarmonics() + 1))) {
                for (int s : SECONDS) {
                    int frames = s * FRAMES_PER_SECOND;
                    float[] m = new float[c.inChannels() * frames];
                    for (int i = 0; i < m.length; i++) m[i] = (float) (rnd.nextGaussian() * 2 - 6);
                    Mel mel = new Mel(c.inChannels(), frames, m);
                    int stftFrames = 120 * frames + 1;
                    float[] stft = new float[18 * stftFrames];
                    for (int i = 0; i < stft.length; i++) stft[i] = (float) rnd.nextGaussian();
                    double[] total = time(() -> hift.inference(mel, true));
                    double[] host = time(() -> f0.forward(mel, true));
                    double[] gpu = time(() -> decoder.forward(mel, stft, stftFrames, true));
                    String row = String.format(Locale.ROOT, "| %d | %d | %.1f | %.1f | %.1f | %.4f |%n", s, frames,
                            total[RUNS / 2], host[RUNS / 2], gpu[RUNS / 2], total[RUNS / 2] / (s * 1000.0));
                    sb.append(row);
                    System.out.print(row);
                }
            }
        }
        System.out.println(sb);
        if (out != null) Files.writeString(out, sb.toString(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
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
