package org.voicestudio.app.cli;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.llm.GenerationResult;
import org.voicestudio.inference.llm.LlmRequest;
import org.voicestudio.inference.llm.RasSampler;
import org.voicestudio.inference.llm.SpeechTokenGenerator;
import org.voicestudio.inference.llm.TokenBudget;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.pipeline.StreamSchedule;
import org.voicestudio.inference.pipeline.Token2Wav;
import org.voicestudio.inference.pipeline.Token2WavCall;
import org.voicestudio.inference.pipeline.VoicePrompt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code studio bench}: speed of each stage on a fixed amount of work. The LLM decodes exactly
 * {@code --tokens} tokens (stop ids masked, so when the model would stop does not matter) from a
 * random, seeded prompt; flow and vocoder then turn those tokens into audio with the official
 * token2wav (streaming chunks with {@code --stream}). Prints medians over the repeats that follow
 * the warm-up runs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure per-stage speed (RTF, ms/token) on a fixed token budget; medians over repeats.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "CosyVoice3 model folder (official layout)")
    Path model;

    @Option(names = "--tokens", required = true, paramLabel = "N", description = "speech tokens to generate and synthesize (25 per second of audio)")
    int tokens;

    @Option(names = "--engines", split = ",", defaultValue = "djl", paramLabel = "ID",
            description = "engines to measure, each on the stages it runs (default ${DEFAULT-VALUE})")
    List<String> engines;

    @Option(names = "--repeats", defaultValue = "3", description = "measured runs (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", description = "unmeasured runs first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random prompt, text and sampling (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--prompt-tokens", defaultValue = "75", description = "prompt speech tokens (default ${DEFAULT-VALUE} = 3 s)")
    int promptTokens;

    @Option(names = "--text-tokens", defaultValue = "20", description = "text tokens in the prefill (default ${DEFAULT-VALUE})")
    int textTokens;

    @Option(names = "--stream", description = "token2wav in the official streaming chunks instead of one call")
    boolean stream;

    @Spec CommandSpec spec;

    /** Medians of the measured runs of one engine. */
    record Result(String engine, double llmPrefillMs, double llmMsPerToken, double llmRtf,
                  double flowRtf, double vocoderRtf, double token2wavRtf, int flowCalls) {}

    @Override
    public Integer call() throws Exception {
        if (tokens < 1) throw new IllegalArgumentException("--tokens must be at least 1, got " + tokens);
        if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must not be negative, got " + warmup);
        if (promptTokens < 1 || textTokens < 1) throw new IllegalArgumentException("--prompt-tokens and --text-tokens must be at least 1");
        engines.forEach(Engines::require);   // unknown ids fail before any work
        PrintWriter out = spec.commandLine().getOut();
        try (ModelFolder folder = ModelFolder.open(model)) {
            ModelConfig config = folder.config();
            double audioSeconds = tokens / (double) config.tokenFrameRate();
            out.printf("%d tokens = %.2f s of audio, prompt %d speech + %d text tokens, %s token2wav, %d run(s) after %d warm-up%n",
                    tokens, audioSeconds, promptTokens, textTokens, stream ? "streaming" : "one-shot", repeats, warmup);
            for (String id : engines) {
                Engine engine = Engines.require(id);
                var a = engine.availability();
                if (!a.available()) {
                    out.printf("%s: not available here: %s%n", id, a.reason());
                    continue;
                }
                out.println(print(run(folder, engine), engine));
                out.flush();
            }
        }
        return 0;
    }

    private Result run(ModelFolder folder, Engine engine) throws Exception {
        ModelConfig config = folder.config();
        boolean llm = engine.stages().contains(Stage.LLM);
        boolean flow = engine.stages().contains(Stage.FLOW);
        boolean voc = engine.stages().contains(Stage.VOCODER);
        // stages this engine does not run come from the reference engine so token2wav can still be timed end to end
        String flowId = flow ? engine.id() : "djl";
        String vocId = voc ? engine.id() : "djl";
        try (StageSet stages = StageSet.loadStepwise(folder, llm ? engine.id() : null, flowId, vocId)) {
            SplittableRandom rnd = new SplittableRandom(seed);
            LlmRequest request = randomRequest(config, rnd);
            VoicePrompt voice = randomVoice(config, rnd);
            int[] fallbackTokens = rnd.ints(tokens, 0, config.flow().vocabSize()).toArray();

            List<double[]> runs = new ArrayList<>();   // prefill ms, ms/token, llm rtf, flow rtf, vocoder rtf, t2w rtf
            int flowCalls = 0;
            for (int r = 0; r < warmup + repeats; r++) {
                double[] m = new double[6];
                Arrays.fill(m, Double.NaN);
                int[] speech = fallbackTokens;
                double audio = tokens / (double) config.tokenFrameRate();
                if (llm) {
                    SpeechTokenGenerator generator = new SpeechTokenGenerator(stages.llm, config);
                    List<StageEvent> steps = new ArrayList<>();
                    GenerationResult g = generator.generate(request, new TokenBudget.Fixed(tokens),
                            new RasSampler(config.llm().sampling(), RasSampler.seeded(seed)), t -> {}, steps::add, () -> false);
                    double busy = steps.stream().mapToDouble(StageEvent::seconds).sum();
                    m[0] = g.prefillNanos() / 1e6;
                    m[1] = g.tokenCount() > 1 ? g.decodeNanos() / 1e6 / (g.tokenCount() - 1) : Double.NaN;
                    m[2] = busy / audio;
                    speech = g.generated();
                }
                List<Token2WavCall> plan = stream
                        ? StreamSchedule.forPrompt(promptTokens, config.chunkSize(), config.flow().preLookaheadLen()).plan(speech.length)
                        : List.of(StreamSchedule.nonStreaming(speech.length));
                flowCalls = plan.size();
                Token2Wav t2w = new Token2Wav(stages.flow, stages.vocoder, voice, config.tokenMelRatio(), System::nanoTime);
                long flowNs = 0, vocNs = 0, samples = 0;
                long start = System.nanoTime();
                for (Token2WavCall call : plan) {
                    Token2Wav.Step step = t2w.run(speech, call, 1.0);
                    flowNs += step.flowEndNanos() - step.flowStartNanos();
                    vocNs += step.vocoderEndNanos() - step.vocoderStartNanos();
                    samples += step.speech().length;
                }
                double wall = (System.nanoTime() - start) / 1e9;
                double seconds = samples / (double) config.sampleRate();
                if (flow) m[3] = flowNs / 1e9 / seconds;
                if (voc) m[4] = vocNs / 1e9 / seconds;
                m[5] = wall / seconds;
                if (r >= warmup) runs.add(m);
            }
            return new Result(engine.id(), median(runs, 0), median(runs, 1), median(runs, 2), median(runs, 3), median(runs, 4),
                    median(runs, 5), flowCalls);
        }
    }

    private String print(Result r, Engine engine) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s (%s), medians:%n", r.engine(), engine.displayName()));
        if (!Double.isNaN(r.llmRtf())) {
            sb.append(String.format("  %-8s RTF %7.3f   prefill %8.1f ms   decode %7.2f ms/token (%.1f tokens/s)%n", "LLM", r.llmRtf(),
                    r.llmPrefillMs(), r.llmMsPerToken(), 1000 / r.llmMsPerToken()));
        }
        if (!Double.isNaN(r.flowRtf())) sb.append(String.format("  %-8s RTF %7.3f   %d call(s)%n", "Flow", r.flowRtf(), r.flowCalls()));
        if (!Double.isNaN(r.vocoderRtf())) sb.append(String.format("  %-8s RTF %7.3f%n", "Vocoder", r.vocoderRtf()));
        sb.append(String.format("  token2wav RTF %.3f (flow + vocoder%s)", r.token2wavRtf(),
                Double.isNaN(r.flowRtf()) || Double.isNaN(r.vocoderRtf()) ? ", stages this engine lacks on djl" : ""));
        return sb.toString();
    }

    /** Median of column {@code col} (NaN if no run has it). */
    static double median(List<double[]> runs, int col) {
        double[] v = runs.stream().mapToDouble(m -> m[col]).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private LlmRequest randomRequest(ModelConfig config, SplittableRandom rnd) {
        int[] promptText = rnd.ints(textTokens / 2 + 1, 0, config.llm().textVocabSize()).toArray();
        int[] text = rnd.ints(textTokens, 0, config.llm().textVocabSize()).toArray();
        int[] prompt = rnd.ints(promptTokens, 0, config.llm().speechTokenSize()).toArray();
        return new LlmRequest(promptText, text, prompt);
    }

    /** Random prompt tokens, a log-mel-like prompt (values in [-10, 0]) and a unit-scale x-vector. */
    private VoicePrompt randomVoice(ModelConfig config, SplittableRandom rnd) {
        int mels = config.flow().outputSize();
        int frames = config.tokenMelRatio() * promptTokens;
        float[] mel = new float[mels * frames];
        for (int i = 0; i < mel.length; i++) mel[i] = (float) (-10 * rnd.nextDouble());
        float[] xvec = new float[config.flow().spkEmbedDim()];
        for (int i = 0; i < xvec.length; i++) xvec[i] = (float) (2 * rnd.nextDouble() - 1);
        return new VoicePrompt(new int[0], rnd.ints(promptTokens, 0, config.flow().vocabSize()).toArray(), new Mel(mels, frames, mel), xvec);
    }
}
