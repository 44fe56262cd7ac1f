package org.voicestudio.app.cli;

import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.metrics.MetricsCollector;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.AudioRecorder;
import org.voicestudio.inference.pipeline.SpeechPipeline;
import org.voicestudio.inference.pipeline.Synthesis;
import org.voicestudio.inference.pipeline.SynthesisListener;
import org.voicestudio.inference.pipeline.SynthesisRequest;
import org.voicestudio.inference.pipeline.VoicePrompt;
import org.voicestudio.inference.pipeline.VoicePromptFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code studio synth}: one utterance to a WAV file, with per-stage metrics. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Synthesize text in a voice (zero-shot) and write a WAV file; prints per-stage RTF and latency.")
public final class SynthCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "CosyVoice3 model folder (official layout)")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Text text;

    static final class Text {
        @Option(names = "--text", paramLabel = "TEXT", description = "text to speak (needs the model folder's tokenizer)")
        String text;

        @Option(names = "--text-ids", paramLabel = "IDS", split = ",", description = "text to speak as token ids: 1,2,3")
        int[] ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Voice voice;

    static final class Voice {
        @Option(names = "--voice", paramLabel = "FILE", description = "a saved voice prompt (.safetensors: prompt_text, prompt_speech_token, prompt_speech_feat, embedding)")
        Path file;

        @Option(names = "--prompt-wav", paramLabel = "WAV", description = "reference recording (3-30 s) of the voice")
        Path wav;
    }

    @ArgGroup(exclusive = true)
    PromptText promptText;

    static final class PromptText {
        @Option(names = "--prompt-text", paramLabel = "TEXT", description = "transcript of the prompt (replaces a saved voice's)")
        String text;

        @Option(names = "--prompt-text-ids", paramLabel = "IDS", split = ",", description = "prompt transcript as token ids")
        int[] ids;
    }

    @Option(names = "--out", required = true, paramLabel = "WAV", description = "output file (16-bit PCM mono)")
    Path out;

    @Option(names = "--stream", description = "synthesize in chunks as the official streaming mode does (metrics show first-audio latency)")
    boolean stream;

    @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--speed", defaultValue = "1.0", description = "speaking rate, non-streaming only (default ${DEFAULT-VALUE})")
    double speed;

    @Option(names = "--llm-engine", defaultValue = "djl", description = "engine of the LLM stage (default ${DEFAULT-VALUE})")
    String llmEngine;

    @Option(names = "--flow-engine", defaultValue = "djl", description = "engine of the flow stage (default ${DEFAULT-VALUE})")
    String flowEngine;

    @Option(names = "--vocoder-engine", defaultValue = "djl", description = "engine of the vocoder stage (default ${DEFAULT-VALUE})")
    String vocoderEngine;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        try (ModelFolder folder = ModelFolder.open(model)) {
            VoicePrompt prompt = voicePrompt(folder);
            if (text.ids != null) requireIds(text.ids, "--text-ids");
            if (promptText != null && promptText.ids != null) requireIds(promptText.ids, "--prompt-text-ids");
            int[] textIds = text.ids != null ? text.ids : noTokenizer("--text", "--text-ids");
            SynthesisRequest request = new SynthesisRequest(textIds, prompt, seed, stream, speed);

            try (StageSet stages = StageSet.load(folder, llmEngine, flowEngine, vocoderEngine)) {
                SpeechPipeline pipeline = SpeechPipeline.of(stages.llm, stages.flow, stages.vocoder, folder.config());
                AudioRecorder audio = new AudioRecorder();
                MetricsCollector metrics = MetricsCollector.startingNow();
                SynthesisListener progress = new SynthesisListener() {
                    @Override public void onAudio(AudioChunk c) {
                        if (stream) log.printf("chunk %d: %.2f s of audio%n", c.index(), c.seconds()).flush();
                    }
                };
                Synthesis synthesis = pipeline.start(request, SynthesisListener.all(metrics, audio, progress));
                synthesis.await();
                if (synthesis.outcome() != Synthesis.Outcome.FINISHED) {
                    Throwable why = synthesis.failure();
                    throw new IllegalStateException("synthesis " + synthesis.outcome().name().toLowerCase()
                            + (why != null ? ": " + why.getMessage() : ""), why);
                }
                float[] samples = audio.samples();
                WavFiles.writePcm16(out, samples, folder.config().sampleRate());
                log.printf("wrote %s: %.2f s, %d speech tokens, %d chunk(s)%n", out, samples.length / (double) folder.config().sampleRate(),
                        audio.tokens().length, audio.chunks().size());
                MetricsTable.print(log, metrics.snapshot(), stages.engines);
            }
        }
        return 0;
    }

    private static void requireIds(int[] ids, String option) {
        for (int id : ids) if (id < 0) throw new IllegalArgumentException(option + ": token ids cannot be negative, got " + id);
    }

    private static int[] noTokenizer(String option, String idsOption) {
        throw new IllegalArgumentException(option + " needs a text tokenizer, which this build does not include yet; give token ids with " + idsOption);
    }

    private VoicePrompt voicePrompt(ModelFolder folder) throws Exception {
        if (voice.wav != null) {
            throw new IllegalArgumentException("--prompt-wav needs the prompt frontend (speech tokenizer and speaker embedding on ONNX Runtime), "
                    + "which this build does not include yet; give a saved voice prompt with --voice FILE");
        }
        VoicePrompt saved = VoicePromptFile.read(voice.file);
        if (promptText == null) return saved;
        int[] ids = promptText.ids != null ? promptText.ids
                : noTokenizer("--prompt-text", "--prompt-text-ids");
        return new VoicePrompt(ids, saved.promptSpeechTokens(), saved.promptMel(), saved.embedding());
    }
}
