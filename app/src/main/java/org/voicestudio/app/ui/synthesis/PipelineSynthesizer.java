package org.voicestudio.app.ui.synthesis;

import org.voicestudio.app.cli.StageSet;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.SpeechPipeline;
import org.voicestudio.inference.pipeline.Synthesis;
import org.voicestudio.inference.pipeline.SynthesisListener;
import org.voicestudio.inference.pipeline.VoicePrompt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The studio's {@link Synthesizer} over {@code inference/}: one model folder, the stage
 * implementations of the engines the user picked (loaded on first use, kept while the choice
 * stays), the text frontend and the voice library. A text is split into sentences; each is one
 * {@link SpeechPipeline} request (as the official frontend does), and their chunks stream to the
 * studio as one take. Speed 1 streams; another speed synthesizes each sentence whole, because
 * upstream changes speed only without streaming (reference §6.2).
 */
public final class PipelineSynthesizer implements Synthesizer, AutoCloseable {
    /** The 192-d CAM++ speaker embedding and 80 mel channels of a voice prompt (reference §2.5, §2.6). */
    private static final int EMBEDDING_DIM = 192, MEL_CHANNELS = 80;

    /** A voice of the library by id; worker thread. */
    @FunctionalInterface
    public interface Voices {
        VoicePrompt prompt(String id) throws IOException;
    }

    private final ModelFolder model;
    private final TextIds text;
    private final Voices voices;
    private StageSet stages;
    private Map<Stage, String> stageIds = Map.of();

    private PipelineSynthesizer(ModelFolder model, TextIds text, Voices voices) {
        this.model = model;
        this.text = text;
        this.voices = voices;
    }

    /** Opens {@code folder} with the loader's checks; the result owns the folder. */
    public static PipelineSynthesizer open(Path folder, Voices voices) throws IOException {
        ModelFolder m = ModelFolder.open(folder);
        try {
            return new PipelineSynthesizer(m, TextIds.forModel(folder), voices);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public TextIds text() { return text; }

    @Override
    public int sampleRate() { return model.config().sampleRate(); }

    @Override
    public java.util.List<String> languages() { return text.languages(); }

    @Override
    public java.util.List<String> sentences(String t, String language) {
        return text.prepare(t, language).stream().map(TextIds.Sentence::text).toList();
    }

    @Override
    public void prepare(Map<Stage, String> engines) throws IOException { stagesFor(new EnumMap<>(engines)); }

    /** The stage implementations for {@code ids}, loading them if the choice changed. */
    private synchronized StageSet stagesFor(Map<Stage, String> ids) throws IOException {
        if (stages != null && stageIds.equals(ids)) return stages;
        if (stages != null) stages.close();
        stages = null;
        stages = StageSet.load(model, ids.get(Stage.LLM), ids.get(Stage.FLOW), ids.get(Stage.VOCODER));
        stageIds = Map.copyOf(ids);
        return stages;
    }

    /** The voice's prompt; no voice means no reference: empty prompt and a zero speaker embedding. */
    private VoicePrompt voice(String id) throws IOException {
        if (id == null) return new VoicePrompt(new int[0], new int[0], Mel.empty(MEL_CHANNELS), new float[EMBEDDING_DIM]);
        return voices.prompt(id);
    }

    @Override
    public void synthesize(TakeRequest request, SynthesisListener listener, CancelSignal cancel) {
        try {
            StageSet s = stagesFor(new EnumMap<>(request.engines()));
            SpeechPipeline pipeline = new SpeechPipeline(s.tokens, s.flow, s.vocoder, SpeechPipeline.Settings.of(model.config()));
            VoicePrompt voice = voice(request.voice());
            List<TextIds.Sentence> sentences = text.prepare(request.text(), request.language());
            if (sentences.isEmpty()) throw new IllegalArgumentException("the text has nothing to say after normalization");
            boolean stream = request.speed() == 1.0;
            AtomicInteger chunkBase = new AtomicInteger();
            int n = sentences.size();
            for (int i = 0; i < n; i++) {
                TextIds.Sentence sentence = sentences.get(i);
                boolean lastSentence = i == n - 1;
                int base = chunkBase.get();
                AtomicInteger chunks = new AtomicInteger();
                SynthesisListener renumbered = new SynthesisListener() {
                    @Override public void onSpeechToken(int token) { listener.onSpeechToken(token); }

                    @Override public void onStageEvent(StageEvent e) {
                        listener.onStageEvent(new StageEvent(e.stage(), base + e.chunk(), e.startNanos(), e.endNanos(), e.items(), e.audioSeconds()));
                    }

                    @Override public void onAudio(AudioChunk c) {
                        chunks.set(Math.max(chunks.get(), c.index() + 1));
                        listener.onAudio(new AudioChunk(base + c.index(), c.samples(), c.sampleRate(), lastSentence && c.last()));
                    }
                };
                Synthesis running = pipeline.start(new org.voicestudio.inference.pipeline.SynthesisRequest(
                        sentence.ids(), voice, request.seed(), stream, request.speed()), renumbered);
                cancel.onCancel(running::cancel);
                running.await();
                switch (running.outcome()) {
                    case FINISHED -> {
                        chunkBase.addAndGet(chunks.get());
                        if (listener instanceof SentenceListener heard) heard.onSentenceEnd(i, sentence.text());
                    }
                    case CANCELLED -> { listener.onCancelled(); return; }
                    case FAILED -> { listener.onFailed(Objects.requireNonNullElse(running.failure(), new IllegalStateException("synthesis failed"))); return; }
                    case RUNNING -> throw new IllegalStateException("synthesis still running after await");
                }
                if (cancel.isCancelled()) { listener.onCancelled(); return; }
            }
            listener.onFinished();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            listener.onCancelled();
        } catch (Throwable t) {
            listener.onFailed(t);
        }
    }

    @Override
    public synchronized void close() {
        if (stages != null) stages.close();
        stages = null;
        text.close();
        model.close();
    }
}
