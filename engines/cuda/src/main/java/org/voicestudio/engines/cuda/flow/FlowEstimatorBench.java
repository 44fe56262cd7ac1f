package org.voicestudio.engines.cuda.flow;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.Gemm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One DiT estimator call (CFG batch 2) at the full Fun-CosyVoice3-0.5B geometry with random weights
 * made on the GPU, for several sequence lengths: median wall time of a call as the API runs it
 * today (inputs uploaded, output read back, scratch buffers allocated per call), and the flow RTF
 * that 10 Euler steps of it would give over the T frames (50 frames per second of audio).
 *
 * <pre>java -cp ... org.voicestudio.engines.cuda.flow.FlowEstimatorBench [--out results.md]</pre>
 */
public final class FlowEstimatorBench {
    private FlowEstimatorBench() {}

    public static void main(String[] args) throws IOException {
        Path out = args.length == 2 && args[0].equals("--out") ? Path.of(args[1]) : null;
        // dim 1024, depth 22, 16 heads x 64, ff_mult 2, static_chunk_size 50, 80 mels; conv pos 31 wide, 16 groups
        CudaDitEstimator.Geometry g = new CudaDitEstimator.Geometry(1024, 22, 16, 64, 2, 50, 80);
        StringBuilder sb = new StringBuilder();
        StringBuilder profileText = new StringBuilder();
        try (CudaContext ctx = CudaContext.open(0)) {
            sb.append("device: ").append(ctx.info()).append('\n');
            sb.append("DiT estimator, full geometry (1024 x 22, 16 x 64 heads), random weights, batch 2 (CFG)\n\n");
            sb.append("| GEMM precision | attention + conv pos embed | frames T | streaming mask | median ms/call | min | flow RTF for 10 Euler steps over T frames | TFLOP/s |\n|---|---|---|---|---|---|---|---|\n");
            // fp32 always runs the fp32 attention; bf16 with the previous fp32 kernels and with the tensor-core ones
            Object[][] variants = {{Gemm.Operands.FP32, CudaDitEstimator.Bf16Kernels.FP32}, {Gemm.Operands.BF16, CudaDitEstimator.Bf16Kernels.FP32},
                    {Gemm.Operands.BF16, CudaDitEstimator.Bf16Kernels.MMA}};
            for (Object[] v : variants) {
                Gemm.Operands precision = (Gemm.Operands) v[0];
                CudaDitEstimator.Bf16Kernels attention = (CudaDitEstimator.Bf16Kernels) v[1];
                try (CudaDitEstimator dit = CudaDitEstimator.random(ctx, g, 16, 31, 1, precision, attention)) {
                    measure(dit, precision + " | " + (attention == CudaDitEstimator.Bf16Kernels.MMA ? "bf16 mma" : "fp32 FMA"), sb, profileText);
                }
            }
            sb.append(profileText);
        }
        System.out.println(sb);
        if (out != null) Files.writeString(out, sb.toString(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static void measure(CudaDitEstimator dit, String precision, StringBuilder sb, StringBuilder profileText) {
        SplittableRandom r = new SplittableRandom(3);
        int batch = 2, m = 80;
        for (int frames : new int[] {250, 500, 1000}) {
            for (boolean streaming : new boolean[] {false, true}) {
                float[] x = gauss(r, batch * m * frames), mu = gauss(r, batch * m * frames), cond = gauss(r, batch * m * frames);
                float[] mask = new float[batch * frames];
                Arrays.fill(mask, 1f);
                float[] spks = gauss(r, batch * m);
                float[] t = {0.3f, 0.3f};
                for (int i = 0; i < 2; i++) dit.forward(x, mask, mu, t, spks, cond, streaming);
                double[] ms = new double[7];
                for (int i = 0; i < ms.length; i++) {
                    long a = System.nanoTime();
                    dit.forward(x, mask, mu, t, spks, cond, streaming);
                    ms[i] = (System.nanoTime() - a) / 1e6;
                }
                Arrays.sort(ms);
                if (frames == 500 && !streaming) {
                    profileText.append("\nDevice time by operation, ").append(precision.replace(" | ", ", attention + conv "))
                            .append(", T = 500, full attention (one call, events between launches, summed over the 22 blocks):\n\n| operation | ms |\n|---|---|\n");
                    for (var e : dit.profile(x, mask, mu, t, spks, cond, false).entrySet()) {
                        profileText.append(String.format(Locale.ROOT, "| %s | %.3f |%n", e.getKey(), e.getValue()));
                    }
                }
                double median = ms[ms.length / 2];
                double rtf = 10 * median / (frames / 50.0 * 1000);
                // 2 * MACs: blocks (4 d^2 + 2 d ff) per frame, attention 2 T d per frame, input proj + convs
                double macsPerFrame = 22 * (4.0 * 1024 * 1024 + 2.0 * 1024 * 2048 + 2.0 * frames * 1024) + 320 * 1024 + 2 * 1024 * 64 * 31;
                double tflops = 2 * batch * frames * macsPerFrame / (median / 1000) / 1e12;
                String line = String.format(Locale.ROOT, "| %s | %d | %s | %.2f | %.2f | %.4f | %.1f |%n", precision, frames,
                        streaming ? "50-frame blocks" : "full", median, ms[0], rtf, tflops);
                System.out.print(line);
                sb.append(line);
            }
        }
    }

    private static float[] gauss(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble(1e-12, 1), u2 = r.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }
}
