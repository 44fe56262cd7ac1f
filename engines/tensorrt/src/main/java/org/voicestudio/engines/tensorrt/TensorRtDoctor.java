package org.voicestudio.engines.tensorrt;

import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.voicestudio.engines.tensorrt.cache.BuildOptions;
import org.voicestudio.engines.tensorrt.cache.PlanCache;
import org.voicestudio.engines.tensorrt.plan.LayerPlan;
import org.voicestudio.engines.tensorrt.plan.Precision;
import org.voicestudio.engines.tensorrt.plan.PrecisionMode;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.flow.FlowEstimator;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code ./studio doctor --engine tensorrt}: on a user's machine with TensorRT, prints the plans, builds them
 * (or finds them cached), checks the DiT estimator against the golden fixtures and times it at T = 250, 500 and
 * 1000 frames. The plan summary is printed even where TensorRT is missing, followed by the reason.
 *
 * <p>Only the part up to the availability check has run in this project (no machine here has TensorRT); the
 * build, parity and benchmark steps have NOT been run.
 */
public final class TensorRtDoctor {
    /** fp32 with TF32 off against the PyTorch fp32 reference: kernel reassociation only. */
    static final double FP32_TOL = 1e-4;
    /** Strongly typed fp16 mix: fp16 GEMM inputs carry ~5e-4 relative rounding; 22 blocks deep. */
    static final double FP16_TOL = 2e-2;
    static final int[] BENCH_FRAMES = {250, 500, 1000};
    static final int WARMUP = 3, ITERATIONS = 10;

    /** Exit codes: 0 all checks passed, 1 a check failed, 2 TensorRT unavailable. */
    public static final int OK = 0, FAILED = 1, UNAVAILABLE = 2;

    private TensorRtDoctor() {}

    /** Without parity (no golden file). */
    public static int run(Path modelDir, PrintStream out) throws IOException {
        return run(modelDir, null, out);
    }

    /**
     * @param modelDir   a CosyVoice3 model folder (the golden fixture's cv3-tiny for parity)
     * @param goldenFile {@code golden.safetensors} holding {@code flow_est_*} and {@code flow_st1_est_*}, or null
     */
    public static int run(Path modelDir, Path goldenFile, PrintStream out) throws IOException {
        try (ModelFolder folder = ModelFolder.open(modelDir)) {
            BuildOptions base = BuildOptions.defaults();
            out.println("TensorRT doctor for " + modelDir);
            for (PrecisionMode mode : List.of(PrecisionMode.FP32, PrecisionMode.MIXED_FP16)) {
                for (LayerPlan p : TensorRtPlans.ditPlans(folder.config(), with(base, mode))) out.println("  " + summary(p));
            }
            out.println("  " + summary(TensorRtPlans.hiftPlan(folder.config(), base)));

            Availability a = TensorRtLibrary.probe();
            out.println((a.available() ? "available: " : "UNAVAILABLE: ") + a.reason());
            if (!a.available()) return UNAVAILABLE;

            TensorRtLibrary.Info info = TensorRtLibrary.load();
            ILogger logger = TensorRtLibrary.logger(out, false);
            PlanCache cache = PlanCache.defaultLocation();
            out.println("plan cache: " + cache.root());
            StateDict golden = goldenFile == null ? null : SafeTensors.read(goldenFile);
            boolean ok = true;
            try {
                for (PrecisionMode mode : List.of(PrecisionMode.FP32, PrecisionMode.MIXED_FP16)) {
                    BuildOptions o = with(base, mode);
                    List<LayerPlan> plans = TensorRtPlans.ditPlans(folder.config(), o);
                    try (PlanRunner full = TensorRtPlans.runner(plans.get(0), folder.flowWeights(), info, o, cache, logger, 1, out);
                         PlanRunner streaming = TensorRtPlans.runner(plans.get(1), folder.flowWeights(), info, o, cache, logger, 1, out)) {
                        TensorRtDitEstimator est = new TensorRtDitEstimator(full, streaming, folder.config().flow().outputSize(),
                                folder.config().flow().staticChunkSize());
                        double tol = mode == PrecisionMode.FP32 ? FP32_TOL : FP16_TOL;
                        if (golden != null) {
                            ok &= parity(out, mode, est, golden, "flow_est", false, tol);
                            ok &= parity(out, mode, est, golden, "flow_st1_est", true, tol);
                        }
                        benchmark(out, mode, est, folder.config().flow().outputSize());
                    }
                }
                BuildOptions o = base;
                try (PlanRunner hift = TensorRtPlans.runner(TensorRtPlans.hiftPlan(folder.config(), o), folder.hiftWeights(), info, o, cache,
                        logger, 1, out)) {
                    out.println("hift decoder plan ready (" + hift.plan().name() + ")");
                    if (golden != null) ok &= hiftParity(out, hift, golden, folder.config().hift().convPreLookRight());
                }
            } finally {
                if (golden != null) golden.close();
            }
            out.println(ok ? "all checks passed" : "SOME CHECKS FAILED");
            return ok ? OK : FAILED;
        }
    }

    /** "dit-fp16-full: 512 layers, 180 fp32 / 300 fp16 / 32 casts, 291 weight tensors". */
    static String summary(LayerPlan p) {
        long casts = p.layers().stream().filter(l -> l.op() instanceof org.voicestudio.engines.tensorrt.plan.Op.Cast).count();
        StringBuilder sb = new StringBuilder(p.name() + ": " + p.layers().size() + " layers (");
        for (Precision pr : Precision.values()) {
            long n = p.layers().stream().filter(l -> !(l.op() instanceof org.voicestudio.engines.tensorrt.plan.Op.Cast) && l.precision() == pr).count();
            if (n > 0) sb.append(n).append(' ').append(pr).append(", ");
        }
        return sb.append(casts).append(" casts), ").append(p.weightKeys().size()).append(" weight tensors, frames ").append(p.profile()).toString();
    }

    private static boolean parity(PrintStream out, PrecisionMode mode, FlowEstimator est, StateDict g, String prefix, boolean streaming,
                                  double tol) {
        float[] x = g.get(prefix + "_x").toFloats();
        long[] shape = g.get(prefix + "_x").shape();
        int mel = (int) shape[1], frames = (int) shape[2];
        var in = new FlowEstimator.Input(mel, frames, x, g.get(prefix + "_mask").toFloats(), g.get(prefix + "_mu").toFloats(),
                g.get(prefix + "_t").toFloats(), g.get(prefix + "_spks").toFloats(), g.get(prefix + "_cond").toFloats(), streaming);
        float[] expected = g.get(prefix + "_out").toFloats();
        float[] actual = est.velocity(in);
        double maxAbs = 0, maxRef = 0;
        boolean finite = true;
        for (int i = 0; i < expected.length; i++) {
            finite &= Float.isFinite(actual[i]);
            maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        double rel = maxAbs / Math.max(maxRef, 1e-12);
        boolean pass = finite && rel <= tol;
        out.printf("parity %-4s %-13s T=%-4d max|diff| %.3e  relative %.3e (tolerance %.0e)%s  %s%n", mode.gemm(), prefix + "_out", frames,
                maxAbs, rel, tol, finite ? "" : "  NON-FINITE OUTPUT", pass ? "ok" : "FAILED");
        return pass;
    }

    /** hift_a: {@code inference(flow_ns_mel, finalize=True)}: decoder on the mel plus 4 zero frames and the source STFT. */
    private static boolean hiftParity(PrintStream out, PlanRunner hift, StateDict g, int look) {
        var melT = g.get("flow_ns_mel");
        int mel = (int) melT.dim(1), frames = (int) melT.dim(2);
        float[] m = melT.toFloats(), padded = new float[mel * (frames + look)];
        for (int c = 0; c < mel; c++) System.arraycopy(m, c * frames, padded, c * (frames + look), frames);
        float[] actual = hift.run(frames, java.util.Map.of(org.voicestudio.engines.tensorrt.plan.HiftDecoderPlan.MEL, padded,
                org.voicestudio.engines.tensorrt.plan.HiftDecoderPlan.SOURCE_STFT, g.get("hift_a_stft").toFloats()))
                .get(org.voicestudio.engines.tensorrt.plan.HiftDecoderPlan.OUTPUT);
        float[] expected = g.get("hift_a_conv_post").toFloats();
        double maxAbs = 0, maxRef = 0;
        boolean finite = true;
        for (int i = 0; i < expected.length; i++) {
            finite &= Float.isFinite(actual[i]);
            maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        double rel = maxAbs / Math.max(maxRef, 1e-12);
        boolean pass = finite && rel <= FP32_TOL;
        out.printf("parity FP32 hift_a_conv_post T=%-4d max|diff| %.3e  relative %.3e (tolerance %.0e)  %s%n", frames, maxAbs, rel, FP32_TOL,
                pass ? "ok" : "FAILED");
        return pass;
    }

    private static void benchmark(PrintStream out, PrecisionMode mode, FlowEstimator est, int mel) {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int frames : BENCH_FRAMES) {
            float[] x = new float[2 * mel * frames], mu = new float[x.length], cond = new float[x.length], mask = new float[2 * frames];
            for (int i = 0; i < x.length; i++) { x[i] = (float) rnd.nextGaussian(); mu[i] = (float) rnd.nextGaussian(); }
            Arrays.fill(mask, 1f);
            float[] spks = new float[2 * mel];
            var in = new FlowEstimator.Input(mel, frames, x, mask, mu, new float[] {0.5f, 0.5f}, spks, cond, false);
            for (int i = 0; i < WARMUP; i++) est.velocity(in);
            double[] ms = new double[ITERATIONS];
            for (int i = 0; i < ITERATIONS; i++) {
                long t0 = System.nanoTime();
                est.velocity(in);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            double median = ms[ITERATIONS / 2];
            out.printf("bench  %-4s T=%-5d estimator %.2f ms (median of %d, host copies included); 10-step solve ~%.0f ms for %.1f s of mel%n",
                    mode.gemm(), frames, median, ITERATIONS, 10 * median, frames / 50.0);
        }
    }

    private static BuildOptions with(BuildOptions b, PrecisionMode mode) {
        return new BuildOptions(mode, b.maskMode(), b.profile(), b.workspaceBytes(), b.optimizationLevel(), b.tf32());
    }
}
