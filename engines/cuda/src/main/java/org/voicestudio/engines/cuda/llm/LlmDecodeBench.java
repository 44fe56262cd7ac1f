package org.voicestudio.engines.cuda.llm;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Decode speed of the LLM stage at the full Fun-CosyVoice3-0.5B geometry with deterministic random
 * weights made on the GPU: per precision, the same session decoded with eager launches and with
 * CUDA-graph replay over the same KV-cache positions. A step in the first three modes is token
 * upload, the decode step, log-prob read-back, stream sync (host sampling excluded); in
 * {@code +host-sampling} it is what the host-sampling pipeline pays per token (that plus stop-id
 * masking and {@code RasSampler}); in {@code +gpu-sampling kN} the sampler runs inside the captured
 * step on the GPU and the host replays N steps per read-back of the accepted ids (time per call / N).
 *
 * <pre>java -cp ... org.voicestudio.engines.cuda.llm.LlmDecodeBench [--steps 300] [--prefill 150] [--out results.md]</pre>
 */
public final class LlmDecodeBench {
    private LlmDecodeBench() {}

    /** Fun-CosyVoice3-0.5B's Qwen2 backbone (reference §3.1) and speech head. */
    static LlmConfig fullGeometry() {
        return new LlmConfig(896, 24, 14, 2, 64, 4864, 1e-6, 1e6, 151936, 6561,
                new SamplingConfig(0.8, 25, 10, 0.1), new int[] {5, 15});
    }

    record Result(LlmPrecision precision, String mode, int steps, double medianMs, double p10Ms, double p90Ms,
                  double queuedMs, double prefillMs, int operations, long weightBytes, java.util.Map<String, Double> profile) {}

    public static void main(String[] args) throws IOException {
        int steps = 300, prefillText = 30, prefillSpeech = 120, warmup = 30;
        Path out = null;
        List<LlmPrecision> precisions = List.of(LlmPrecision.BF16, LlmPrecision.FP32);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--prefill" -> { int p = Integer.parseInt(args[++i]); prefillText = p / 5; prefillSpeech = p - prefillText - 2; }
                case "--out" -> out = Path.of(args[++i]);
                case "--precision" -> precisions = List.of(LlmPrecision.parse(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: [--steps N] [--prefill N] [--precision bf16|fp32] [--out file]");
            }
        }
        LlmConfig config = fullGeometry();
        SplittableRandom rnd = new SplittableRandom(42);
        int[] text = rnd.ints(prefillText, 0, config.textVocabSize()).toArray();
        int[] prompt = rnd.ints(prefillSpeech, 0, config.speechTokenSize()).toArray();
        int[] tokens = rnd.ints(steps + warmup, 0, config.speechTokenSize()).toArray();

        List<Result> results = new ArrayList<>();
        String device;
        try (CudaContext ctx = CudaContext.open(0)) {
            device = ctx.info().toString();
            for (LlmPrecision precision : precisions) {
                // the old decode kernels (no GEMV register preload), then the new ones; same weights (seed 1)
                for (boolean preload : new boolean[] {false, true}) {
                    System.setProperty(Qwen2Decoder.GEMV_PRELOAD_PROPERTY, Boolean.toString(preload));
                    List<String> modes = preload
                            ? List.of("graph+overlap", "graph+overlap+host-sampling", "graph+overlap+gpu-sampling k1", "graph+overlap+gpu-sampling k8")
                            : List.of("eager", "graph", "graph+overlap", "graph+overlap+host-sampling");
                    try (CudaSpeechLanguageModel model = CudaSpeechLanguageModel.random(ctx, config, precision, 1, 4096, true)) {
                        for (String mode : modes) {
                            Result r = run(model, mode, text, prompt, tokens, warmup, steps);
                            r = new Result(r.precision(), (preload ? "preload GEMV, " : "old GEMV, ") + r.mode(), r.steps(), r.medianMs(), r.p10Ms(),
                                    r.p90Ms(), r.queuedMs(), r.prefillMs(), r.operations(), r.weightBytes(), r.profile());
                            results.add(r);
                            System.out.printf(Locale.ROOT, "%-5s %-45s median %.3f ms/token (p10 %.3f, p90 %.3f) over %d steps; prefill %d rows %.2f ms%n",
                                    r.precision(), r.mode(), r.medianMs(), r.p10Ms(), r.p90Ms(), r.steps(), prompt.length + text.length + 2, r.prefillMs());
                        }
                    }
                }
                System.clearProperty(Qwen2Decoder.GEMV_PRELOAD_PROPERTY);
            }
        }
        StringBuilder table = new StringBuilder(table(device, results, text.length + prompt.length + 2)).append('\n');
        for (LlmPrecision p : precisions) {
            double old = medianOf(results, p, "old GEMV, graph+overlap+host-sampling");
            double now = medianOf(results, p, "preload GEMV, graph+overlap+gpu-sampling k8");
            table.append(String.format(Locale.ROOT, "LLM decode %s: old path (old GEMV, graph+overlap, host sampling) %.3f ms/token, "
                    + "new path (preload GEMV, graph+overlap, GPU sampling, 8 steps per read-back) %.3f ms/token%n", p, old, now));
        }
        System.out.println(table);
        if (out != null) Files.writeString(out, table);
    }

    private static double medianOf(List<Result> results, LlmPrecision p, String mode) {
        return results.stream().filter(r -> r.precision() == p && r.mode().equals(mode)).mapToDouble(Result::medianMs).findFirst().orElse(Double.NaN);
    }

    private static Result run(CudaSpeechLanguageModel model, String mode, int[] text, int[] prompt, int[] tokens,
                              int warmup, int steps) {
        if (mode.contains("sampling")) return runSampling(model, mode, text, prompt, warmup, steps);
        boolean graph = !mode.equals("eager");
        long t0 = System.nanoTime();
        try (CudaSpeechLanguageModel.Session s = model.start(text, prompt, graph, mode.endsWith("overlap"))) {
            double prefillMs = (System.nanoTime() - t0) / 1e6;
            int start = s.length();
            for (int i = 0; i < warmup; i++) s.append(tokens[i]);   // graph capture + cuBLAS heuristics warm
            s.rewind(start);
            double[] ms = new double[steps];
            for (int i = 0; i < steps; i++) {
                long a = System.nanoTime();
                s.append(tokens[warmup + i]);
                ms[i] = (System.nanoTime() - a) / 1e6;
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            s.rewind(start);
            double queued = s.queuedStepMs(tokens[0], steps);
            java.util.Map<String, Double> profile = null;
            if (!graph) {
                // median over 21 profiled steps of each label's device time
                s.rewind(start);
                java.util.Map<String, double[]> runs = new java.util.LinkedHashMap<>();
                int reps = 21;
                for (int r = 0; r < reps; r++) {
                    int rr = r;
                    s.profileStep(tokens[r]).forEach((k, v) -> runs.computeIfAbsent(k, x -> new double[reps])[rr] = v);
                }
                profile = new java.util.LinkedHashMap<>();
                for (var e : runs.entrySet()) {
                    double[] v = e.getValue();
                    Arrays.sort(v);
                    profile.put(e.getKey(), v[reps / 2]);
                }
            }
            return new Result(model.precision(), mode, steps, sorted[steps / 2], sorted[steps / 10],
                    sorted[steps * 9 / 10], queued, prefillMs, s.stepOperations(), model.weightBytes(), profile);
        }
    }

    /**
     * The two sampling modes over the same positions as the others: host sampling (log-probs read
     * back, stop ids masked, RasSampler, token appended) per token, or on-GPU sampling with
     * {@code k} graph replays per read-back. Stop ids are masked at every step (fixed budget), so
     * the random-weight model never stops early. Medians of per-token times.
     */
    private static Result runSampling(CudaSpeechLanguageModel model, String mode, int[] text, int[] prompt, int warmup, int steps) {
        LlmConfig c = fullGeometry();
        long t0 = System.nanoTime();
        try (CudaSpeechLanguageModel.Session s = model.start(text, prompt, true, true)) {
            double prefillMs = (System.nanoTime() - t0) / 1e6;
            int start = s.length();
            double[] ms;
            int ops = s.stepOperations();
            if (mode.endsWith("host-sampling")) {
                org.voicestudio.inference.llm.RasSampler sampler =
                        new org.voicestudio.inference.llm.RasSampler(c.sampling(), new PhiloxRandom(7));
                org.voicestudio.inference.llm.StopTokens stops = org.voicestudio.inference.llm.StopTokens.of(c);
                int[] out = new int[warmup + steps];
                for (int i = 0; i < warmup; i++) out[i] = hostStep(s, sampler, stops, out, i);
                s.rewind(start);
                ms = new double[steps];
                for (int i = 0; i < steps; i++) {
                    long a = System.nanoTime();
                    out[warmup + i] = hostStep(s, sampler, stops, out, warmup + i);
                    ms[i] = (System.nanoTime() - a) / 1e6;
                }
            } else {
                int k = Integer.parseInt(mode.substring(mode.lastIndexOf(" k") + 2));
                int calls = steps / k;
                ops++;   // ras_sample
                try (CudaSpeechLanguageModel.Session.GpuDecode d = s.sampleOnGpu(c.sampling(),
                        new org.voicestudio.inference.llm.TokenBudget.Fixed(warmup + calls * k + k), 7)) {
                    for (int done = 0; done < warmup; done += k) d.next(k);   // graph capture + warm
                    s.rewind(start);
                    ms = new double[calls];
                    for (int i = 0; i < calls; i++) {
                        long a = System.nanoTime();
                        int got = d.next(k).length;
                        ms[i] = (System.nanoTime() - a) / 1e6 / k;
                        if (got != k) throw new IllegalStateException("expected " + k + " tokens per call, got " + got);
                    }
                }
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            return new Result(model.precision(), mode, steps, sorted[n / 2], sorted[n / 10], sorted[n * 9 / 10], Double.NaN,
                    prefillMs, ops, model.weightBytes(), null);
        }
    }

    /** One token of the host-sampling pipeline: feed back the previous token, read log-probs, mask, sample. */
    private static int hostStep(CudaSpeechLanguageModel.Session s, org.voicestudio.inference.llm.RasSampler sampler,
                                org.voicestudio.inference.llm.StopTokens stops, int[] out, int index) {
        if (index > 0) s.append(out[index - 1]);
        float[] logp = s.logProbs();
        stops.mask(logp);   // fixed budget: stop ids masked at every step
        return sampler.sample(logp, out, index);
    }

    private static String table(String device, List<Result> results, int prefillRows) {
        StringBuilder sb = new StringBuilder();
        sb.append("device: ").append(device).append('\n');
        sb.append("geometry: Fun-CosyVoice3-0.5B LLM (24 x 896, 14/2 heads, MLP 4864, speech vocab 6761), random weights, ")
                .append(prefillRows).append("-position prefill, then decode from there\n")
                .append("old GEMV = gemv/gemv_qkv_rope; preload GEMV = gemv_pre/gemv_qkv_rope_pre (first weight chunk in registers before the PDL wait). ")
                .append("eager/graph/graph+overlap exclude sampling; +host-sampling adds stop-id masking + RasSampler on the host per token; ")
                .append("+gpu-sampling kN samples inside the captured step (ras_sample) and reads back N ids per N replays (ms/token = call time / N).\n\n");
        sb.append("| precision | decode step | median ms/token (with host round trip) | p10 | p90 | device ms/step, steps queued back to back | ops/step | weights on GPU |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            String queued = Double.isNaN(r.queuedMs()) ? "–" : String.format(Locale.ROOT, "%.3f", r.queuedMs());
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f | %s | %d | %.0f MB |%n", r.precision(), r.mode(),
                    r.medianMs(), r.p10Ms(), r.p90Ms(), queued, r.operations(), r.weightBytes() / 1e6));
        }
        for (Result r : results) {
            if (r.profile() == null) continue;
            sb.append("\nDevice time per decode step by operation, ").append(r.precision())
                    .append(" (eager, events between launches; median of 21 steps, summed over layers):\n\n| operation | ms/step |\n|---|---|\n");
            double total = 0;
            for (var e : r.profile().entrySet()) {
                sb.append(String.format(Locale.ROOT, "| %s | %.4f |%n", e.getKey(), e.getValue()));
                total += e.getValue();
            }
            sb.append(String.format(Locale.ROOT, "| total | %.4f |%n", total));
        }
        return sb.toString();
    }
}
