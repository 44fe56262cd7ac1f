package org.voicestudio.engines.cuda.flow;

import org.voicestudio.inference.flow.host.HostFlowConditioner;
import org.voicestudio.inference.flow.host.HostWeights;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.flow.FlowNoise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The whole flow stage at the full Fun-CosyVoice3-0.5B geometry with random weights: one
 * {@link CudaFlowModel#inference} call (host conditioning + 10 Euler steps of CFG-batch DiT calls on the GPU)
 * for a 3 s prompt (75 tokens) and 10 s / 20 s of target speech, non-streaming and final. Reports the median
 * wall time, the host conditioning's share, and the flow RTF = wall time / target audio duration.
 *
 * <pre>java -cp ... org.voicestudio.engines.cuda.flow.FlowModelBench [--out results.md] [--host-only]</pre>
 * {@code --host-only} times just the host conditioning (no GPU needed).
 */
public final class FlowModelBench {
    private FlowModelBench() {}

    /** Fun-CosyVoice3-0.5B's flow (cosyvoice3.yaml): 80 mels, 192-d x-vector, 6561 tokens, lookahead 3 x 1024, DiT 1024 x 22. */
    static final FlowConfig FULL = new FlowConfig(80, 80, 192, 6561, 3, 1024, 2, 1024, 22, 16, 64, 2, 50, 1e-6, 0.7, 10, "cosine");
    private static final int PROMPT_TOKENS = 75;   // 3 s at 25 tokens/s
    private static final int[] TARGET_TOKENS = {250, 500};
    private static final int RUNS = 3;

    public static void main(String[] args) throws IOException {
        Path out = null;
        boolean hostOnly = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) out = Path.of(args[++i]);
            else if (args[i].equals("--host-only")) hostOnly = true;
            else throw new IllegalArgumentException("unknown argument " + args[i] + "; expected --out FILE or --host-only");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Flow stage (CudaFlowModel.inference), full geometry, random weights, prompt ").append(PROMPT_TOKENS)
                .append(" tokens, non-streaming final call, median of ").append(RUNS).append(" after 1 warm-up; ")
                .append(Runtime.getRuntime().availableProcessors()).append(" host cores\n\n");
        if (hostOnly) {
            HostFlowConditioner host = new HostFlowConditioner(FULL, new HostWeights.Random(1));
            sb.append("| target tokens | frames T | host conditioning ms |\n|---|---|---|\n");
            for (int n : TARGET_TOKENS) {
                FlowRequest r = request(n);
                double[] ms = time(() -> host.condition(r));
                row(sb, String.format(Locale.ROOT, "| %d | %d | %.1f |%n", n, 2 * (PROMPT_TOKENS + n), ms[RUNS / 2]));
            }
        } else {
            FlowNoise noise = FlowNoise.seeded(FlowNoise.OFFICIAL_SEED, FULL.outputSize(), FlowNoise.OFFICIAL_FRAMES);
            try (CudaContext ctx = CudaContext.open(0)) {
                sb.insert(0, "device: " + ctx.info() + "\n");
                sb.append("| DiT GEMM precision | target tokens (audio s) | frames T | median ms | min | host conditioning ms | flow RTF |\n|---|---|---|---|---|---|---|\n");
                for (Gemm.Operands precision : Gemm.Operands.values()) {
                    try (CudaFlowModel model = CudaFlowModel.random(ctx, FULL, 16, 31, 1, noise, precision)) {
                        for (int n : TARGET_TOKENS) {
                            FlowRequest r = request(n);
                            double[] total = time(() -> model.inference(r));
                            double[] cond = time(() -> model.condition(r));
                            double audioS = n / 25.0;
                            row(sb, String.format(Locale.ROOT, "| %s | %d (%.0f s) | %d | %.1f | %.1f | %.1f | %.4f |%n", precision, n, audioS,
                                    2 * (PROMPT_TOKENS + n), total[RUNS / 2], total[0], cond[RUNS / 2], total[RUNS / 2] / (audioS * 1000)));
                        }
                    }
                }
            }
        }
        System.out.println(sb);
        if (out != null) Files.writeString(out, sb.toString(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static void row(StringBuilder sb, String line) {
        System.out.print(line);
        sb.append(line);
    }

    /** Sorted wall times in ms of {@link #RUNS} calls after one warm-up. */
    private static double[] time(Runnable call) {
        call.run();
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long a = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - a) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    /** Random tokens and x-vector, a random prompt mel of 2P frames. */
    private static FlowRequest request(int targetTokens) {
        SplittableRandom r = new SplittableRandom(targetTokens);
        int[] prompt = r.ints(PROMPT_TOKENS, 0, FULL.vocabSize()).toArray();
        int[] tokens = r.ints(targetTokens, 0, FULL.vocabSize()).toArray();
        float[] feat = new float[FULL.outputSize() * 2 * PROMPT_TOKENS];
        for (int i = 0; i < feat.length; i++) feat[i] = (float) (r.nextDouble() * 8 - 10);   // log-mel range
        float[] xvec = new float[FULL.spkEmbedDim()];
        for (int i = 0; i < xvec.length; i++) xvec[i] = (float) r.nextGaussian();
        return new FlowRequest(tokens, prompt, new Mel(FULL.outputSize(), 2 * PROMPT_TOKENS, feat), xvec, false, true);
    }
}
