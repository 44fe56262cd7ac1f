package org.voicestudio.engines.cuda.flow;

import org.voicestudio.inference.flow.host.HostFlowConditioner;
import org.voicestudio.inference.flow.host.HostWeights;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.flow.ConditionalFlowMatching;
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
 * for a 3 s prompt (75 tokens) and 10 s / 20 s of target speech, non-streaming and final, every way through
 * the flow in the same run: the old path (host conditioning + host Euler loop), the graph with host conditioning,
 * the device loop without a graph, and the new default (GPU conditioning + graph); for fp32 GEMMs, bf16 GEMMs
 * with the old fp32 attention and conv kernels, and bf16 GEMMs with the tensor-core ones (Bf16Kernels). Reports the first call (the first
 * device call also compiles the solver's kernels unless cached), then over the next calls the median, min and max
 * (a graph route's first call runs op by op, its second captures and instantiates the graph: that is the max),
 * the flow RTF = median / target audio duration, the speed-up over the old path of the same model, and the host
 * conditioning alone.
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
    private static final int RUNS = 5;
    /** One way through the flow: where the Euler loop runs, where the device loop's conditioning runs. */
    private record Route(String label, CudaFlowModel.Solver solver, CudaFlowModel.Conditioner conditioner) {}

    private static final Route[] ROUTES = {
            new Route("old: host conditioning + host Euler loop", CudaFlowModel.Solver.HOST, CudaFlowModel.Conditioner.HOST),
            new Route("host conditioning + graph", CudaFlowModel.Solver.GRAPH, CudaFlowModel.Conditioner.HOST),
            new Route("GPU conditioning + device loop (no graph)", CudaFlowModel.Solver.DEVICE, CudaFlowModel.Conditioner.GPU),
            new Route("new: GPU conditioning + graph", CudaFlowModel.Solver.GRAPH, CudaFlowModel.Conditioner.GPU)};

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
                .append(" tokens, non-streaming final call, median of ").append(RUNS).append(" after the first call; ")
                .append(Runtime.getRuntime().availableProcessors()).append(" host cores\n\n");
        if (hostOnly) {
            HostFlowConditioner host = new HostFlowConditioner(FULL, new HostWeights.Random(1));
            sb.append("| target tokens | frames T | host conditioning ms |\n|---|---|---|\n");
            for (int n : TARGET_TOKENS) {
                FlowRequest r = request(n);
                double[] ms = time(() -> host.condition(r));
                row(sb, String.format(Locale.ROOT, "| %d | %d | %.1f |%n", n, 2 * (PROMPT_TOKENS + n), ms[RUNS / 2 + 1]));
            }
        } else {
            FlowNoise noise = FlowNoise.seeded(FlowNoise.OFFICIAL_SEED, FULL.outputSize(), FlowNoise.OFFICIAL_FRAMES);
            try (CudaContext ctx = CudaContext.open(0)) {
                sb.insert(0, "device: " + ctx.info() + "\n");
                sb.append("| DiT GEMMs | attention + conv pos embed | target tokens (audio s) | frames T | path | first call ms | median ms | min | max | flow RTF | vs old path |\n")
                        .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
                record Variant(Gemm.Operands precision, CudaDitEstimator.Bf16Kernels attention, String label) {}
                for (Variant v : new Variant[] {
                        new Variant(Gemm.Operands.FP32, CudaDitEstimator.Bf16Kernels.FP32, "fp32 FMA"),
                        new Variant(Gemm.Operands.BF16, CudaDitEstimator.Bf16Kernels.FP32, "fp32 FMA (old)"),
                        new Variant(Gemm.Operands.BF16, CudaDitEstimator.Bf16Kernels.MMA, "bf16 mma (new)")}) {
                    try (CudaFlowModel model = CudaFlowModel.random(ctx, FULL, 16, 31, 1, noise, v.precision(), v.attention())) {
                        for (int n : TARGET_TOKENS) {
                            FlowRequest r = request(n);
                            double audioS = n / 25.0;
                            double oldMedian = Double.NaN;
                            for (Route path : ROUTES) {   // the old path first: the others are compared to it
                                double[] total = time(() -> model.inference(r, path.solver(), path.conditioner(), ConditionalFlowMatching.StepObserver.NONE));
                                double median = total[RUNS / 2 + 1];
                                if (Double.isNaN(oldMedian)) oldMedian = median;
                                row(sb, String.format(Locale.ROOT, "| %s | %s | %d (%.0f s) | %d | %s | %.1f | %.1f | %.1f | %.1f | %.4f | %.2fx |%n",
                                        v.precision(), v.precision() == Gemm.Operands.FP32 ? "fp32 FMA" : v.label(), n, audioS,
                                        2 * (PROMPT_TOKENS + n), path.label(), total[0], median, total[1], total[RUNS], median / (audioS * 1000),
                                        oldMedian / median));
                            }
                            double[] cond = time(() -> model.condition(r));
                            row(sb, String.format(Locale.ROOT, "| %s | %s | %d (%.0f s) | %d | host conditioning alone | %.1f | %.1f | %.1f | %.1f | | |%n",
                                    v.precision(), v.precision() == Gemm.Operands.FP32 ? "fp32 FMA" : v.label(), n, audioS, 2 * (PROMPT_TOKENS + n),
                                    cond[0], cond[RUNS / 2 + 1], cond[1], cond[RUNS]));
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

    /** Wall times in ms: [0] the first call (warm-up), then the {@link #RUNS} calls after it, sorted. */
    private static double[] time(Runnable call) {
        double[] ms = new double[RUNS + 1];
        for (int i = 0; i <= RUNS; i++) {
            long a = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - a) / 1e6;
        }
        Arrays.sort(ms, 1, ms.length);
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
