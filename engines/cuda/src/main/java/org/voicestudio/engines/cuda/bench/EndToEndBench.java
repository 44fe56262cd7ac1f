package org.voicestudio.engines.cuda.bench;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.engines.cuda.flow.CudaFlowModel;
import org.voicestudio.engines.cuda.llm.CudaSpeechLanguageModel;
import org.voicestudio.engines.cuda.llm.LlmPrecision;
import org.voicestudio.engines.cuda.vocoder.CudaHiftDecoder;
import org.voicestudio.engines.cuda.vocoder.CudaVocoder;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ConfigException;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.llm.GenerationResult;
import org.voicestudio.inference.llm.LlmRequest;
import org.voicestudio.inference.llm.RasSampler;
import org.voicestudio.inference.llm.SpeechTokenGenerator;
import org.voicestudio.inference.llm.TokenBudget;
import org.voicestudio.inference.loading.CheckpointLayout;
import org.voicestudio.inference.loading.RandomModel;
import org.voicestudio.inference.loading.WeightNorm;
import org.voicestudio.inference.metrics.MetricsCollector;
import org.voicestudio.inference.metrics.StageMetrics;
import org.voicestudio.inference.metrics.SynthesisMetrics;
import org.voicestudio.inference.metrics.TimelineSpan;
import org.voicestudio.inference.pipeline.SpeechPipeline;
import org.voicestudio.inference.pipeline.SpeechTokenSource;
import org.voicestudio.inference.pipeline.Synthesis;
import org.voicestudio.inference.pipeline.SynthesisRequest;
import org.voicestudio.inference.pipeline.VoicePrompt;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * The whole streaming pipeline ({@link SpeechPipeline}) with all three stages on CUDA at the full
 * Fun-CosyVoice3-0.5B geometry with random weights: the LLM and the DiT made on the GPU (as
 * {@code LlmDecodeBench} and {@code FlowModelBench} make them), the HiFT from {@link RandomModel}'s
 * in-memory {@code hift.pt} through {@link CudaVocoder#create} (the engine's own vocoder path).
 * Each stage has its own {@link CudaContext} (the device's primary context, its own non-blocking
 * stream and cuBLAS handle), as {@code CudaEngine} loads them.
 *
 * <p>A cached voice (prompt text ids, 75 prompt speech tokens = 3 s, a 150-frame log-mel-range
 * prompt mel, a 192-d x-vector; no ONNX front end) and random text ids. The LLM generates a fixed
 * number of tokens: stop ids are masked at every step ({@link TokenBudget.Fixed}), so the length
 * does not depend on when random weights would stop. Streaming, official chunk schedule
 * (25 + pad, 50, 100, 100, ... tokens, then the final call).
 *
 * <p>Reported per overlap mode ({@link SpeechPipeline.Overlap}) and token budget, medians over the
 * measured runs: end-to-end RTF (request to the last chunk ÷ audio), first-audio latency (request
 * to the first audio chunk handed to the listener), each stage's busy time and RTF (busy ÷ audio),
 * LLM ms/token (decode steps only, prefill apart).
 *
 * <pre>java -cp ... org.voicestudio.engines.cuda.bench.EndToEndBench [--tokens 250,500] [--modes none,stages]
 *     [--repeats 3] [--warmup 1] [--llm-precision fp32|bf16] [--flow-precision fp32|bf16] [--out results.md]</pre>
 */
public final class EndToEndBench {
    private EndToEndBench() {}

    private static final int PROMPT_TOKENS = 75;      // 3 s at 25 tokens/s
    private static final int PROMPT_TEXT_TOKENS = 12;
    private static final int TEXT_TOKENS = 40;
    private static final int DIT_CONV_GROUPS = 16;    // cosyvoice3.yaml's DiT conv position embedding
    private static final int DIT_CONV_KERNEL = 31;
    private static final int SEED = 1;
    private static final Duration RUN_LIMIT = Duration.ofMinutes(2);

    /** One measured synthesis. */
    record Run(SpeechPipeline.Overlap overlap, int budget, int tokens, int chunks, double wallS, double audioS, double firstAudioMs,
               double llmBusyS, double llmPrefillMs, double llmDecodeMsPerToken, double flowBusyS, double vocoderBusyS,
               List<TimelineSpan> timeline) {
        double e2eRtf() { return wallS / audioS; }
        double llmRtf() { return llmBusyS / audioS; }
        double flowRtf() { return flowBusyS / audioS; }
        double vocoderRtf() { return vocoderBusyS / audioS; }
        /** Stage busy time that ran alongside another stage: the sum of busy times beyond the wall time. */
        double overlappedS() { return Math.max(0, llmBusyS + flowBusyS + vocoderBusyS - wallS); }
    }

    public static void main(String[] args) throws Exception {
        List<Integer> budgets = List.of(250, 500);
        List<SpeechPipeline.Overlap> modes = List.of(SpeechPipeline.Overlap.NONE, SpeechPipeline.Overlap.STAGES);
        int repeats = 3, warmup = 1;
        LlmPrecision llmPrecision = LlmPrecision.parse(System.getProperty("voicestudio.cuda.precision", "fp32"));
        Gemm.Operands flowPrecision = flowPrecision(System.getProperty("voicestudio.cuda.flowPrecision", "fp32"));
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tokens" -> budgets = Arrays.stream(args[++i].split(",")).map(String::trim).map(Integer::valueOf).toList();
                case "--modes" -> modes = Arrays.stream(args[++i].split(",")).map(SpeechPipeline.Overlap::parse).toList();
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--llm-precision" -> llmPrecision = LlmPrecision.parse(args[++i]);
                case "--flow-precision" -> flowPrecision = flowPrecision(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: [--tokens 250,500] [--modes none,llm,stages]"
                        + " [--repeats N] [--warmup N] [--llm-precision fp32|bf16] [--flow-precision fp32|bf16] [--out file]");
            }
        }
        if (repeats < 1 || warmup < 0) throw new IllegalArgumentException("--repeats must be at least 1 and --warmup at least 0");
        for (int b : budgets) if (b < 1) throw new IllegalArgumentException("token budget must be at least 1, got " + b);

        ModelConfig config = fullGeometry();
        List<Run> runs = new ArrayList<>();
        String device;
        long setupStart = System.nanoTime();
        try (CudaContext llmCtx = CudaContext.open(0); CudaContext flowCtx = CudaContext.open(0); CudaContext vocCtx = CudaContext.open(0);
             CudaSpeechLanguageModel llm = CudaSpeechLanguageModel.random(llmCtx, config.llm(), llmPrecision, SEED, 4096, true);
             CudaFlowModel flow = CudaFlowModel.random(flowCtx, config.flow(), DIT_CONV_GROUPS, DIT_CONV_KERNEL, SEED,
                     FlowNoise.seeded(FlowNoise.OFFICIAL_SEED, config.flow().outputSize(), FlowNoise.OFFICIAL_FRAMES), flowPrecision);
             CudaVocoder vocoder = randomVocoder(vocCtx, config)) {
            device = llmCtx.info().toString();
            System.out.printf(Locale.ROOT, "set up in %.1f s on %s%n", (System.nanoTime() - setupStart) / 1e9, device);
            SplittableRandom rnd = new SplittableRandom(SEED);
            VoicePrompt voice = randomVoice(config, rnd);
            int[] text = rnd.ints(TEXT_TOKENS, 0, config.llm().textVocabSize()).toArray();
            for (int budget : budgets) {
                AtomicReference<GenerationResult> generation = new AtomicReference<>();
                SpeechTokenSource source = fixedLength(llm, config, budget, generation);
                for (SpeechPipeline.Overlap mode : modes) {
                    SpeechPipeline pipeline = new SpeechPipeline(source, flow, vocoder, SpeechPipeline.Settings.of(config), System::nanoTime, mode);
                    for (int r = 0; r < warmup + repeats; r++) {
                        Run run = run(pipeline, new SynthesisRequest(text, voice, SEED + r, true), budget, generation);
                        System.out.printf(Locale.ROOT, "%-6s %d tokens %s: e2e RTF %.4f, first audio %.1f ms, wall %.3f s, LLM %.3f ms/token, flow RTF %.4f, vocoder RTF %.4f%n",
                                mode, budget, r < warmup ? "warm-up" : "run " + (r - warmup + 1), run.e2eRtf(), run.firstAudioMs(), run.wallS(),
                                run.llmDecodeMsPerToken(), run.flowRtf(), run.vocoderRtf());
                        if (r >= warmup) runs.add(run);
                    }
                }
            }
        }
        String table = table(device, llmPrecision, flowPrecision, repeats, warmup, modes, budgets, runs);
        System.out.println(table);
        if (out != null) Files.writeString(out, table);
    }

    /** Fun-CosyVoice3-0.5B's sizes in the official yaml's structure ({@link RandomModel.Geometry#FULL}). */
    static ModelConfig fullGeometry() {
        try {
            return RandomModel.Geometry.FULL.config();
        } catch (ConfigException e) {
            throw new IllegalStateException("the full geometry's configuration does not parse", e);
        }
    }

    /**
     * The HiFT at {@code config}'s geometry with {@link RandomModel}'s random {@code hift.pt} values, through
     * {@link CudaVocoder#create} as {@code CudaEngine} builds it (F0 predictor from the raw weight-norm
     * parametrisations, the rest fused), with the engine's default seeded noise.
     */
    static CudaVocoder randomVocoder(CudaContext ctx, ModelConfig config) {
        try (StateDict raw = RandomModel.stateDict(CheckpointLayout.of(config).hift(), SEED)) {
            StateDict fused = WeightNorm.fuse(raw);
            return CudaVocoder.create(ctx, false, config.hift(), raw, fused,
                    VocoderNoise.seeded(CudaVocoder.DEFAULT_NOISE_SEED, config.hift().nbHarmonics() + 1),
                    CudaVocoder.Glue.fromSystemProperty(), CudaHiftDecoder.Convs.fromSystemProperty());
        }
    }

    /** The LLM stage with exactly {@code budget} decode steps (stop ids masked at every step); keeps each generation's result. */
    static SpeechTokenSource fixedLength(CudaSpeechLanguageModel llm, ModelConfig config, int budget, AtomicReference<GenerationResult> last) {
        SpeechTokenGenerator generator = new SpeechTokenGenerator(llm, config);
        return (promptText, text, promptSpeech, seed, sink, steps, cancelled) -> last.set(generator.generate(
                new LlmRequest(promptText, text, promptSpeech), new TokenBudget.Fixed(budget),
                new RasSampler(config.llm().sampling(), RasSampler.seeded(seed)), sink::accept, steps, cancelled));
    }

    private static Run run(SpeechPipeline pipeline, SynthesisRequest request, int budget, AtomicReference<GenerationResult> generation)
            throws InterruptedException {
        MetricsCollector metrics = MetricsCollector.startingNow();
        Synthesis s = pipeline.start(request, metrics);
        if (!s.await(RUN_LIMIT)) {
            s.cancel();
            throw new IllegalStateException("synthesis of " + budget + " tokens did not end within " + RUN_LIMIT);
        }
        if (s.outcome() != Synthesis.Outcome.FINISHED) throw new IllegalStateException("synthesis " + s.outcome(), s.failure());
        SynthesisMetrics m = metrics.snapshot();
        GenerationResult g = generation.get();
        double decodeMsPerToken = g.tokenCount() > 1 ? g.decodeNanos() / 1e6 / (g.tokenCount() - 1) : Double.NaN;
        return new Run(pipeline.overlap(), budget, g.forwarded(), s.calls().size(), m.wallSeconds(), m.audioSeconds(), 1000 * m.firstAudioSeconds(),
                busy(m, Stage.LLM), g.prefillNanos() / 1e6, decodeMsPerToken, busy(m, Stage.FLOW), busy(m, Stage.VOCODER), m.timeline());
    }

    private static double busy(SynthesisMetrics m, Stage stage) {
        StageMetrics s = m.stages().get(stage);
        return s == null ? 0 : s.busySeconds();
    }

    /** Random prompt tokens, a log-mel-like prompt mel (values in [-10, 0]), a unit-scale x-vector. */
    private static VoicePrompt randomVoice(ModelConfig config, SplittableRandom rnd) {
        int mels = config.flow().outputSize();
        int frames = config.tokenMelRatio() * PROMPT_TOKENS;
        float[] mel = new float[mels * frames];
        for (int i = 0; i < mel.length; i++) mel[i] = (float) (-10 * rnd.nextDouble());
        float[] xvec = new float[config.flow().spkEmbedDim()];
        for (int i = 0; i < xvec.length; i++) xvec[i] = (float) rnd.nextGaussian();
        int[] promptText = rnd.ints(PROMPT_TEXT_TOKENS, 0, config.llm().textVocabSize()).toArray();
        int[] promptSpeech = rnd.ints(PROMPT_TOKENS, 0, config.llm().speechTokenSize()).toArray();
        return new VoicePrompt(promptText, promptSpeech, new Mel(mels, frames, mel), xvec);
    }

    static Gemm.Operands flowPrecision(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32", "f32" -> Gemm.Operands.FP32;
            case "bf16", "bfloat16" -> Gemm.Operands.BF16;
            default -> throw new IllegalArgumentException("unknown flow precision '" + s + "'; expected fp32 or bf16");
        };
    }

    private static double median(List<Run> runs, ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String table(String device, LlmPrecision llmPrecision, Gemm.Operands flowPrecision, int repeats, int warmup,
                        List<SpeechPipeline.Overlap> modes, List<Integer> budgets, List<Run> runs) {
        StringBuilder sb = new StringBuilder();
        sb.append("device: ").append(device).append("; ").append(Runtime.getRuntime().availableProcessors()).append(" host cores\n");
        sb.append("End-to-end streaming synthesis (SpeechPipeline, all three stages on CUDA, each on its own stream), full Fun-CosyVoice3-0.5B geometry, ")
                .append("random weights; LLM ").append(llmPrecision).append(", DiT GEMMs ").append(flowPrecision).append(", HiFT fp32 (F0 as the engine runs it). ")
                .append("Cached voice: ").append(PROMPT_TOKENS).append(" prompt tokens (3 s), ").append(TEXT_TOKENS).append(" text ids. ")
                .append("Forced length: stop ids masked at every step, exactly the budget of decode steps (tokens = those passed to the flow after the silent-token throttle). ")
                .append("Medians of ").append(repeats).append(" runs after ").append(warmup).append(" warm-up per row.\n\n");
        sb.append("Overlap: none = one stage at a time (the LLM waits at each chunk boundary); llm = LLM beside flow+vocoder on one thread; ")
                .append("stages = LLM, flow and vocoder each on its own thread and stream.\n\n");
        sb.append("| overlap | tokens (audio s) | chunks | e2e RTF | first audio ms | wall s | LLM busy s (RTF) | LLM prefill ms | LLM decode ms/token ")
                .append("| flow busy s (RTF) | vocoder busy s (RTF) | stage time overlapped s |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int budget : budgets) {
            for (SpeechPipeline.Overlap mode : modes) {
                List<Run> rs = runs.stream().filter(r -> r.budget() == budget && r.overlap() == mode).toList();
                if (rs.isEmpty()) continue;
                sb.append(String.format(Locale.ROOT, "| %s | %d (%.1f) | %d | %.4f | %.1f | %.3f | %.3f (%.4f) | %.1f | %.3f | %.3f (%.4f) | %.3f (%.4f) | %.3f |%n",
                        mode.name().toLowerCase(Locale.ROOT), (int) median(rs, Run::tokens), median(rs, Run::audioS), rs.getFirst().chunks(),
                        median(rs, Run::e2eRtf), median(rs, Run::firstAudioMs), median(rs, Run::wallS),
                        median(rs, Run::llmBusyS), median(rs, Run::llmRtf), median(rs, Run::llmPrefillMs), median(rs, Run::llmDecodeMsPerToken),
                        median(rs, Run::flowBusyS), median(rs, Run::flowRtf), median(rs, Run::vocoderBusyS), median(rs, Run::vocoderRtf),
                        median(rs, Run::overlappedS)));
            }
        }
        int largest = budgets.stream().mapToInt(Integer::intValue).max().orElse(0);
        for (SpeechPipeline.Overlap mode : modes) {
            List<Run> rs = runs.stream().filter(r -> r.budget() == largest && r.overlap() == mode).toList();
            if (rs.isEmpty()) continue;
            Run last = rs.getLast();
            sb.append(String.format(Locale.ROOT, "%nTimeline of the last %s run at %d tokens (ms since the request; LLM spans are the steps between chunk boundaries):%n%n",
                    mode.name().toLowerCase(Locale.ROOT), largest));
            sb.append("| stage | chunk | start ms | end ms | ms | items |\n|---|---|---|---|---|---|\n");
            last.timeline().stream().sorted(java.util.Comparator.comparingDouble(TimelineSpan::startSeconds)).forEach(t ->
                    sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %d |%n", t.stage(), t.chunk(),
                            1000 * t.startSeconds(), 1000 * t.endSeconds(), 1000 * t.seconds(), t.items())));
        }
        sb.append("\nTargets (issue 5): e2e RTF <= 0.02, first audio <= 100 ms, LLM <= 0.5 ms/token, flow <= 0.005 RTF, vocoder <= 0.003 RTF. ")
                .append("Stage busy time = the stage's own spans on the pipeline's timeline (the LLM's include host sampling and the token hand-off); ")
                .append("flow and vocoder recompute the whole utterance so far at every chunk (the official token2wav), so their busy time grows with the number of chunks.\n");
        return sb.toString();
    }
}
