package org.voicestudio.app.cli;

import org.voicestudio.inference.audio.WavIo;
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
import org.voicestudio.engines.onnxruntime.CampPlusEncoder;
import org.voicestudio.engines.onnxruntime.S3SpeechTokenizer;
import org.voicestudio.voices.BundledVoices;
import org.voicestudio.voices.RecordingCheck;
import org.voicestudio.voices.Recordings;
import org.voicestudio.voices.VoiceCreator;
import org.voicestudio.voices.VoiceLibrary;
import org.voicestudio.voices.VoiceProfile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code studio synth}: one utterance to a WAV file, with per-stage metrics. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Synthesize text in a voice (zero-shot) and write a WAV file; prints per-stage RTF and latency.")
public final class SynthCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR",
            description = "CosyVoice3 model folder (official layout; default: $VOICESTUDIO_MODEL, else the bundled demo model)")
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
        @Option(names = "--voice", paramLabel = "NAME|FILE", description = "a voice of the library (studio voices list) or a saved voice file: "
                + ".voice, or any safetensors with prompt_text, prompt_speech_token, prompt_speech_feat, embedding")
        String name;

        @Option(names = "--prompt-wav", paramLabel = "WAV", description = "reference recording (3-30 s) of the voice")
        Path wav;
    }

    @Option(names = "--lang", paramLabel = "CODE",
            description = "language of --text: normalize it first as the studio does (numbers, dates, abbreviations read out; es, en, fr, de, it, pt)")
    String lang;

    @Option(names = "--library", paramLabel = "DIR",
            description = "voice library folder for --voice NAME (default: $VOICESTUDIO_HOME/voices or ~/.local/share/voicestudio/voices)")
    Path library;

    @Option(names = "--prompt-text", paramLabel = "TEXT",
            description = "transcript of the prompt recording (needed with --prompt-wav; replaces a saved voice's prompt text)")
    String promptText;

    @Option(names = "--prompt-text-ids", paramLabel = "IDS", split = ",",
            description = "prompt text as token ids, used instead of tokenizing --prompt-text")
    int[] promptTextIds;

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
        Path modelDir = model != null ? model : org.voicestudio.app.BundledModel.requireDefaultModel("--model");
        try (ModelFolder folder = ModelFolder.open(modelDir)) {
            VoicePrompt prompt = voicePrompt(folder, log);
            if (text.ids != null) requireIds(text.ids, "--text-ids");
            if (promptTextIds != null) requireIds(promptTextIds, "--prompt-text-ids");
            String spoken = text.text != null && lang != null ? org.voicestudio.inference.frontend.TextNormalizer.forLanguage(lang).normalize(text.text) : text.text;
            if (lang != null && text.text != null && !spoken.equals(text.text)) log.println("normalized: " + spoken);
            int[] textIds = text.ids != null ? text.ids : TextIds.encode(folder, spoken, "--text", "--text-ids");
            SynthesisRequest request = new SynthesisRequest(textIds, prompt, seed, stream, speed);

            try (StageSet stages = StageSet.load(folder, llmEngine, flowEngine, vocoderEngine)) {
                SpeechPipeline pipeline = new SpeechPipeline(stages.tokens, stages.flow, stages.vocoder, SpeechPipeline.Settings.of(folder.config()));
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
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                WavIo.writePcm16(out, folder.config().sampleRate(), samples);
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

    private VoicePrompt voicePrompt(ModelFolder folder, PrintWriter log) throws Exception {
        if (voice.wav != null) return voiceFromRecording(folder, log);
        VoicePrompt saved = savedVoice(folder, library != null ? new VoiceLibrary(library) : VoiceLibrary.userLibrary(), voice.name, log);
        if (promptText == null && promptTextIds == null) return saved;
        return new VoicePrompt(promptTextIds(folder), saved.promptSpeechTokens(), saved.promptMel(), saved.embedding());
    }

    /**
     * A voice file if {@code nameOrFile} is one, else the library voice of that name. A voice the
     * model folder bundles ({@code voices/<id>/}) is made into the library first if it is not there yet.
     */
    private static VoicePrompt savedVoice(ModelFolder folder, VoiceLibrary library, String nameOrFile, PrintWriter log) throws Exception {
        Path file = Path.of(nameOrFile);
        if (Files.isRegularFile(file)) return VoicePromptFile.read(file);
        var found = library.get(nameOrFile);
        if (found.isEmpty() && BundledVoices.list(folder.dir()).stream().anyMatch(b -> b.name().equals(nameOrFile) || b.id().equals(nameOrFile))) {
            BundledVoices.Outcome o = BundledVoices.addMissing(folder.dir(), library);
            if (!o.made().isEmpty()) log.println("added the bundled voices " + String.join(", ", o.made()) + " to " + library.dir());
            for (String p : o.problems()) log.println("warning: bundled voice " + p);
            String name = BundledVoices.list(folder.dir()).stream().filter(b -> b.id().equals(nameOrFile)).map(BundledVoices.Bundled::name)
                    .findFirst().orElse(nameOrFile);
            found = library.get(name);
        }
        return found.map(VoiceProfile::toVoicePrompt).orElseThrow(() -> new IllegalArgumentException(
                "no voice file " + nameOrFile + " and no voice of that name in " + library.dir() + " (studio voices list shows the library)"));
    }

    private int[] promptTextIds(ModelFolder folder) {
        return promptTextIds != null ? promptTextIds : TextIds.encode(folder, TextIds.promptText(promptText), "--prompt-text", "--prompt-text-ids");
    }

    /** The official zero-shot frontend on the recording: speech tokens, speaker embedding, prompt mel (ONNX Runtime + inference/audio). */
    private VoicePrompt voiceFromRecording(ModelFolder folder, PrintWriter log) throws Exception {
        if (promptText == null || promptText.isBlank()) {
            throw new IllegalArgumentException("--prompt-wav needs --prompt-text: the transcript of the recording, word for word");
        }
        if (!Files.isRegularFile(voice.wav)) throw new IllegalArgumentException("recording " + voice.wav + " does not exist");
        Recordings.Loaded recording = Recordings.read(voice.wav);
        Function<String, int[]> tokenize = promptTextIds != null ? ignored -> promptTextIds
                : text -> TextIds.encode(folder, text, "--prompt-text", "--prompt-text-ids");
        try (CampPlusEncoder speaker = CampPlusEncoder.forModel(folder.dir());
             S3SpeechTokenizer speech = S3SpeechTokenizer.forModel(folder.dir())) {
            VoiceCreator creator = new VoiceCreator(folder.config().featExtractor(), speaker, speech, tokenize, RecordingCheck.DEFAULT);
            VoiceCreator.Result result = creator.create("prompt", "", promptText, recording);
            for (String w : result.warnings()) log.println("warning: " + w);
            return result.voice().toVoicePrompt();
        } catch (RecordingCheck.BadRecordingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
