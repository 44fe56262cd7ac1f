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
 * LLM runs on its own thread and appends tokens, and the streaming scheduler turns them into chunks
 * for flow and vocoder while the LLM keeps generating. How much runs at once is the {@link Overlap}:
 * by default ({@link Overlap#STAGES}) flow and vocoder have a thread each too, so the flow of chunk
 * k+1 runs while the vocoder works on chunk k (on a GPU each stage has its own stream, so their
 * kernels overlap as well). Instead of the official 100 ms polling, the flow thread waits on the
 * token buffer until the next chunk's tokens are there.
 *
 * <p>Everything per request lives in the request's threads ({@link TokenBuffer}, {@link Token2Wav},
 * scheduler state). The stage models are shared: within one request each model is called from one
 * thread at a time (the LLM thread only uses the token source, the flow thread only the flow, the
 * vocoder thread only the vocoder); requests that overlap call the same models concurrently, which
 * only stage implementations that allow it support (the studio runs one synthesis at a time per pipeline).
 */
public final class SpeechPipeline {
    private final SpeechTokenSource llm;
    private final FlowModel flow;
    private final Vocoder vocoder;
    private final Settings settings;
    private final LongSupplier clock;
    private final Overlap overlap;
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

    /**
     * Which stages run at the same time. The system property {@code voicestudio.pipeline.overlap}
     * ({@code stages}, {@code llm} or {@code none}) picks the default.
     */
    public enum Overlap {
        /**
         * One stage at a time: in streaming the LLM waits at each chunk boundary until flow and
         * vocoder have turned that chunk into audio. The baseline that shows what overlap gains.
         */
        NONE,
        /** The LLM on its own thread, flow and vocoder one after the other on a second (the pipeline before issue 5). */
        LLM,
        /** LLM, flow and vocoder each on its own thread: the flow of the next chunk runs while the vocoder works on this one. */
        STAGES;

        /** The system property's choice, {@link #STAGES} if unset. */
        public static Overlap fromSystemProperty() {
            return parse(System.getProperty("voicestudio.pipeline.overlap", "stages"));
        }

        public static Overlap parse(String s) {
            return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "none", "off", "serial" -> NONE;
                case "llm" -> LLM;
                case "stages", "on", "full" -> STAGES;
                default -> throw new IllegalArgumentException("unknown pipeline overlap '" + s + "'; expected stages, llm or none");
            };
        }
    }

    public SpeechPipeline(SpeechTokenSource llm, FlowModel flow, Vocoder vocoder, Settings settings) {
        this(llm, flow, vocoder, settings, System::nanoTime);
    }

    /** @param clock nanosecond clock of the stage events ({@code System::nanoTime}) */
    public SpeechPipeline(SpeechTokenSource llm, FlowModel flow, Vocoder vocoder, Settings settings, LongSupplier clock) {
        this(llm, flow, vocoder, settings, clock, Overlap.fromSystemProperty());
    }

    public SpeechPipeline(SpeechTokenSource llm, FlowModel flow, Vocoder vocoder, Settings settings, LongSupplier clock, Overlap overlap) {
        this.llm = llm;
        this.flow = flow;
        this.vocoder = vocoder;
        this.settings = settings;
        this.clock = clock;
        this.overlap = java.util.Objects.requireNonNull(overlap, "overlap");
    }

    /** The same stages with another {@link Overlap}. */
    public SpeechPipeline withOverlap(Overlap overlap) {
        return new SpeechPipeline(llm, flow, vocoder, settings, clock, overlap);
    }

    public Overlap overlap() { return overlap; }

    /** The usual composition: the LLM stage's decode loop over {@code llm}, then flow and vocoder. */
    public static SpeechPipeline of(SpeechLanguageModel llm, FlowModel flow, Vocoder vocoder, ModelConfig config) {
        return new SpeechPipeline(SpeechTokenSource.llm(llm, config), flow, vocoder, Settings.of(config));
    }

    public Settings settings() { return settings; }

    /**
     * Starts synthesizing and returns at once. {@code listener} hears tokens (LLM thread), flow
     * events (flow thread), vocoder events and audio chunks (vocoder thread; flow and vocoder share
     * one thread unless the overlap is {@link Overlap#STAGES}), then exactly one of finished /
     * cancelled / failed.
     */
    public Synthesis start(SynthesisRequest request, SynthesisListener listener) {
        long id = requests.incrementAndGet();
        TokenBuffer tokens = new TokenBuffer();
        Synthesis synthesis = new Synthesis(clock.getAsLong(), tokens);
        StreamSchedule schedule = StreamSchedule.forPrompt(request.voice().promptSpeechTokens().length, settings.tokenHopLen(),
                settings.preLookaheadLen());
        Token2Wav token2wav = new Token2Wav(flow, vocoder, request.voice(), settings.tokenMelRatio(), clock);
        VocoderSide vocoderSide = new VocoderSide(token2wav, request.speed(), tokens, listener);
        String prefix = "synth-" + id;
        Thread llmThread = Thread.ofPlatform().name(prefix + "-llm").daemon(true).unstarted(
                () -> runLlm(request, schedule, tokens, listener));
        if (overlap == Overlap.STAGES) {
            java.util.concurrent.BlockingQueue<Handoff> handoffs = new java.util.concurrent.LinkedBlockingQueue<>();
            Thread flowThread = Thread.ofPlatform().name(prefix + "-flow").daemon(true).unstarted(() -> {
                try {
                    runFlow(request, schedule, tokens, token2wav, synthesis, listener, handoffs::add);
                    handoffs.add(new Handoff.Stop(null));
                } catch (Throwable e) {
                    handoffs.add(new Handoff.Stop(e));
                }
            });
            Thread vocoderThread = Thread.ofPlatform().name(prefix + "-vocoder").daemon(true).unstarted(() -> {
                Throwable failure = null;
                try {
                    while (!vocoderSide.handle(handoffs.take())) {
                        // next chunk
                    }
                } catch (Throwable e) {
                    failure = e;
                }
                finish(synthesis, listener, tokens, vocoderSide, failure, flowThread, llmThread);
            });
            llmThread.start();
            flowThread.start();
            vocoderThread.start();
        } else {
            Thread t2wThread = Thread.ofPlatform().name(prefix + "-token2wav").daemon(true).unstarted(() -> {
                Throwable failure = null;
                try {
                    runFlow(request, schedule, tokens, token2wav, synthesis, listener, vocoderSide::handle);
                } catch (Throwable e) {
                    failure = e;
                }
                finish(synthesis, listener, tokens, vocoderSide, failure, llmThread);
            });
            llmThread.start();
            t2wThread.start();
        }
        return synthesis;
    }

    /**
     * The LLM thread: generates tokens into the buffer and reports the LLM's steps folded into one
     * event per scheduler segment ({@link LlmSegments}). Without overlap it waits at each chunk
     * boundary until that chunk's audio is out.
     */
    private void runLlm(SynthesisRequest request, StreamSchedule schedule, TokenBuffer tokens, SynthesisListener listener) {
        LlmSegments segments = new LlmSegments(schedule, request.stream(), listener::onStageEvent);
        boolean serial = overlap == Overlap.NONE;
        try {
            VoicePrompt voice = request.voice();
            llm.generate(voice.promptTextIds(), request.textIds(), voice.promptSpeechTokens(), request.seed(), token -> {
                listener.onSpeechToken(token);
                tokens.add(token);
                segments.forwarded(tokens.size());
                if (serial) tokens.awaitSynthesized(segments.boundariesPassed());
            }, segments::step, tokens::isCancelled);
            segments.finish();
            tokens.finish();
        } catch (Throwable e) {
            tokens.fail(e);
        }
    }

    /** What the flow side hands the vocoder side. */
    private sealed interface Handoff {
        /** The flow's mel of one call. */
        record Chunk(Token2Wav.Flowed flowed) implements Handoff {}

        /** The LLM stopped at once: nothing to synthesize (upstream would hand empty tensors to flow). */
        record Empty() implements Handoff {}

        /** The flow side ended: after its final chunk or a cancel ({@code failure} null), or failed. */
        record Stop(Throwable failure) implements Handoff {}
    }

    @FunctionalInterface
    private interface HandoffSink {
        void accept(Handoff h) throws Throwable;
    }

    /**
     * The flow side: schedules chunks as tokens arrive, runs the flow of each and hands the mel on;
     * returns after the final chunk or when the request is cancelled, throws what failed.
     */
    private void runFlow(SynthesisRequest request, StreamSchedule schedule, TokenBuffer tokens, Token2Wav token2wav,
                         Synthesis synthesis, SynthesisListener listener, HandoffSink out) throws Throwable {
        StreamSchedule.State state = schedule.initial();
        int chunk = 0;
        while (true) {
            TokenBuffer.View view = tokens.await(request.stream() ? schedule.tokensNeeded(state) : Integer.MAX_VALUE);
            if (view.failure() != null) throw view.failure();
            if (view.cancelled()) return;
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
                out.accept(new Handoff.Empty());
                return;
            }
            Token2Wav.Flowed flowed = token2wav.flow(tokens.prefix(call.tokens()), call);
            if (tokens.isCancelled()) return;
            listener.onStageEvent(new StageEvent(Stage.FLOW, chunk, flowed.flowStartNanos(), flowed.flowEndNanos(),
                    flowed.flowMel().frames() - call.tokenOffset() * settings.tokenMelRatio(),
                    (flowed.flowMel().frames() - call.tokenOffset() * settings.tokenMelRatio()) / settings.melFramesPerSecond()));
            out.accept(new Handoff.Chunk(flowed));
            chunk++;
            if (call.last()) return;
        }
    }

    /** The vocoder side of one request: vocodes each chunk the flow side hands on and reports it. */
    private final class VocoderSide {
        private final Token2Wav token2wav;
        private final double speed;
        private final TokenBuffer tokens;
        private final SynthesisListener listener;
        private int chunk;
        private boolean completed;   // the final chunk went out

        VocoderSide(Token2Wav token2wav, double speed, TokenBuffer tokens, SynthesisListener listener) {
            this.token2wav = token2wav;
            this.speed = speed;
            this.tokens = tokens;
            this.listener = listener;
        }

        /** Handles one handoff; true when the synthesis is over for this side (completed, cancelled or failed). */
        boolean handle(Handoff h) throws Throwable {
            switch (h) {
                case Handoff.Stop stop -> {
                    if (stop.failure() != null) throw stop.failure();
                    return true;
                }
                case Handoff.Empty empty -> {
                    listener.onAudio(new AudioChunk(chunk, new float[0], settings.sampleRate(), true));
                    completed = true;
                    return true;
                }
                case Handoff.Chunk c -> {
                    if (tokens.isCancelled()) return true;
                    Token2Wav.Step step = token2wav.vocode(c.flowed(), speed);
                    if (tokens.isCancelled()) return true;
                    listener.onStageEvent(new StageEvent(Stage.VOCODER, chunk, step.vocoderStartNanos(), step.vocoderEndNanos(),
                            step.speech().length, step.speech().length / (double) settings.sampleRate()));
                    listener.onAudio(new AudioChunk(chunk, step.speech(), settings.sampleRate(), step.call().last()));
                    chunk++;
                    tokens.synthesized(chunk);
                    completed = step.call().last();
                    return completed;
                }
            }
        }
    }

    /** Ends the request from the thread that ran the vocoder: stops the others unless it completed, waits for them, tells the listener. */
    private static void finish(Synthesis synthesis, SynthesisListener listener, TokenBuffer tokens, VocoderSide side,
                               Throwable failure, Thread... others) {
        boolean completed = side.completed;
        if (!completed) tokens.cancel();   // stop the LLM and the flow side (failure or cancel)
        for (Thread t : others) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = e;
            }
        }
        end(synthesis, listener, completed, failure);
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
