package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.vocoder.Vocoder;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Zero-shot synthesis of one utterance with one implementation per stage (they may come from
 * different engines), arranged like the official {@code CosyVoice2Model.tts} (reference §6.1): the
 * LLM runs on its own thread and appends tokens; a second thread runs the streaming scheduler and
 * {@link Token2Wav}, so the LLM keeps generating while flow and vocoder work on the previous chunk.
 * Instead of the official 100 ms polling, the token2wav thread waits on the token buffer until the
 * next chunk's tokens are there.
 *
 * <p>Everything per request lives in the request's threads ({@link TokenBuffer}, {@link Token2Wav},
 * scheduler state). The stage models are shared: within one request the LLM thread only uses the
 * token source and the token2wav thread only flow and vocoder, so each model is called from one
 * thread at a time; requests that overlap call the same models concurrently, which only stage
 * implementations that allow it support (the studio runs one synthesis at a time per pipeline).
 */
public final class SpeechPipeline {
    private final SpeechTokenSource llm;
    private final FlowModel flow;
    private final Vocoder vocoder;
    private final Settings settings;
    private final LongSupplier clock;
    private final AtomicLong requests = new AtomicLong();   // numbers the worker threads' names

    /**
     * The constants the orchestration needs (from {@code cosyvoice3.yaml}).
     *
     * @param sampleRate      {@code sample_rate}: 24000
     * @param tokenFrameRate  {@code token_frame_rate}: 25 speech tokens per second
     * @param tokenMelRatio   {@code token_mel_ratio}: 2
     * @param tokenHopLen     {@code chunk_size}: 25, the streaming hop
     * @param preLookaheadLen {@code pre_lookahead_len}: 3
     */
    public record Settings(int sampleRate, int tokenFrameRate, int tokenMelRatio, int tokenHopLen, int preLookaheadLen) {
        public static Settings of(ModelConfig config) {
            return new Settings(config.sampleRate(), config.tokenFrameRate(), config.tokenMelRatio(), config.chunkSize(),
                    config.flow().preLookaheadLen());
        }

        double melFramesPerSecond() { return tokenFrameRate * (double) tokenMelRatio; }
    }

    public SpeechPipeline(SpeechTokenSource llm, FlowModel flow, Vocoder vocoder, Settings settings) {
        this(llm, flow, vocoder, settings, System::nanoTime);
    }

    /** @param clock nanosecond clock of the stage events ({@code System::nanoTime}) */
    public SpeechPipeline(SpeechTokenSource llm, FlowModel flow, Vocoder vocoder, Settings settings, LongSupplier clock) {
        this.llm = llm;
        this.flow = flow;
        this.vocoder = vocoder;
        this.settings = settings;
        this.clock = clock;
    }

    /** The usual composition: the LLM stage's decode loop over {@code llm}, then flow and vocoder. */
    public static SpeechPipeline of(SpeechLanguageModel llm, FlowModel flow, Vocoder vocoder, ModelConfig config) {
        return new SpeechPipeline(SpeechTokenSource.llm(llm, config), flow, vocoder, Settings.of(config));
    }

    public Settings settings() { return settings; }

    /**
     * Starts synthesizing and returns at once. {@code listener} hears tokens (LLM thread), stage
     * events and audio chunks (token2wav thread), then exactly one of finished / cancelled / failed.
     */
    public Synthesis start(SynthesisRequest request, SynthesisListener listener) {
        long id = requests.incrementAndGet();
        TokenBuffer tokens = new TokenBuffer();
        Synthesis synthesis = new Synthesis(clock.getAsLong(), tokens);
        StreamSchedule schedule = StreamSchedule.forPrompt(request.voice().promptSpeechTokens().length, settings.tokenHopLen(),
                settings.preLookaheadLen());
        Thread llmThread = Thread.ofPlatform().name("synth-" + id + "-llm").daemon(true).unstarted(
                () -> runLlm(request, schedule, tokens, listener));
        Thread t2wThread = Thread.ofPlatform().name("synth-" + id + "-token2wav").daemon(true).unstarted(
                () -> runToken2Wav(request, schedule, tokens, listener, synthesis, llmThread));
        llmThread.start();
        t2wThread.start();
        return synthesis;
    }

    /**
     * The LLM thread: generates tokens into the buffer and reports the LLM's steps folded into one
     * event per scheduler segment ({@link LlmSegments}).
     */
    private void runLlm(SynthesisRequest request, StreamSchedule schedule, TokenBuffer tokens, SynthesisListener listener) {
        LlmSegments segments = new LlmSegments(schedule, request.stream(), listener::onStageEvent);
        try {
            VoicePrompt voice = request.voice();
            llm.generate(voice.promptTextIds(), request.textIds(), voice.promptSpeechTokens(), request.seed(), token -> {
                listener.onSpeechToken(token);
                tokens.add(token);
                segments.forwarded(tokens.size());
            }, segments::step, tokens::isCancelled);
            segments.finish();
            tokens.finish();
        } catch (Throwable e) {
            tokens.fail(e);
        }
    }

    /** The token2wav thread: schedules chunks, runs flow + vocoder, and ends the synthesis. */
    private void runToken2Wav(SynthesisRequest request, StreamSchedule schedule, TokenBuffer tokens, SynthesisListener listener,
                              Synthesis synthesis, Thread llmThread) {
        Throwable failure = null;
        boolean completed = false;
        try {
            Token2Wav token2wav = new Token2Wav(flow, vocoder, request.voice(), settings.tokenMelRatio(), clock);
            StreamSchedule.State state = schedule.initial();
            int chunk = 0;
            while (true) {
                TokenBuffer.View view = tokens.await(request.stream() ? schedule.tokensNeeded(state) : Integer.MAX_VALUE);
                if (view.failure() != null) throw view.failure();
                if (view.cancelled()) break;
                Token2WavCall call;
                if (request.stream()) {
                    StreamSchedule.Decision decision = schedule.next(state, view.available(), view.done());
                    if (!(decision instanceof StreamSchedule.Run run)) continue;
                    call = run.call();
                    state = run.next();
                } else if (view.done()) {
                    call = StreamSchedule.nonStreaming(view.available());
                } else {
                    continue;
                }
                synthesis.recordCall(call);
                if (call.tokens() == 0) {
                    // the LLM stopped at once: nothing to synthesize (upstream would hand empty tensors to flow)
                    listener.onAudio(new AudioChunk(chunk, new float[0], settings.sampleRate(), true));
                    completed = true;
                    break;
                }
                Token2Wav.Step step = token2wav.run(tokens.prefix(call.tokens()), call, request.speed());
                if (tokens.isCancelled()) break;
                report(step, chunk, listener);
                chunk++;
                if (call.last()) {
                    completed = true;
                    break;
                }
            }
        } catch (Throwable e) {
            failure = e;
        }
        if (!completed) tokens.cancel();   // stop the LLM (failure or cancel)
        try {
            llmThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (failure == null) failure = e;
        }
        end(synthesis, listener, completed, failure);
    }

    private void report(Token2Wav.Step step, int chunk, SynthesisListener listener) {
        listener.onStageEvent(new StageEvent(Stage.FLOW, chunk, step.flowStartNanos(), step.flowEndNanos(), step.keptMel().frames(),
                step.keptMel().frames() / settings.melFramesPerSecond()));
        listener.onStageEvent(new StageEvent(Stage.VOCODER, chunk, step.vocoderStartNanos(), step.vocoderEndNanos(), step.speech().length,
                step.speech().length / (double) settings.sampleRate()));
        listener.onAudio(new AudioChunk(chunk, step.speech(), settings.sampleRate(), step.call().last()));
    }

    /** Exactly one terminal callback: finished if the final chunk went out, else cancelled (if asked) or failed. */
    private static void end(Synthesis synthesis, SynthesisListener listener, boolean completed, Throwable failure) {
        Synthesis.Outcome how = completed && failure == null ? Synthesis.Outcome.FINISHED
                : synthesis.cancelRequested() ? Synthesis.Outcome.CANCELLED
                : Synthesis.Outcome.FAILED;
        if (how == Synthesis.Outcome.FAILED && failure == null) failure = new IllegalStateException("synthesis stopped without a final chunk");
        try {
            switch (how) {
                case CANCELLED -> listener.onCancelled();
                case FAILED -> listener.onFailed(failure);
                default -> listener.onFinished();
            }
        } finally {
            synthesis.end(how, how == Synthesis.Outcome.FAILED ? failure : null);
        }
    }
}
