package org.voicestudio.inference.llm;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.llm.GenerationResult.StopReason;
import org.voicestudio.inference.llm.SpeechLanguageModel.LmSession;
import org.voicestudio.inference.metrics.StageEvent;

import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The LLM stage's decode loop ({@code CosyVoice3LM.inference} + {@code llm_job}, reference §3.3-3.4),
 * independent of the engine: prefill, then per step score, mask stop ids below the minimum length,
 * {@link RasSampler ras_sampling}, stop at a stop id or the budget, hand the token on (through the
 * {@link SilenceThrottle}) and feed it back.
 *
 * <p>Metrics: one {@link StageEvent} of {@link Stage#LLM} per decode step, {@code chunk} = step index.
 * Step i's event runs from the end of step i-1's hand-off (the start of {@link #generate} for step 0,
 * so the first event includes the prefill) to the moment its token is accepted, before the sink is
 * called; it therefore covers feeding back the previous token, scoring and sampling, but not time
 * blocked in the sink. {@code items} = 1 for a produced token (0 for the step that sampled the stop
 * id), {@code audioSeconds} = one token's duration (1 / token_frame_rate) if the token went on to the
 * flow stage, else 0. LLM tokens/s = sum(items) / sum(seconds).
 */
public final class SpeechTokenGenerator {

    private final SpeechLanguageModel model;
    private final LlmConfig llm;
    private final StopTokens stopTokens;
    private final double secondsPerToken;

    public SpeechTokenGenerator(SpeechLanguageModel model, ModelConfig config) {
        this.model = model;
        this.llm = config.llm();
        this.stopTokens = StopTokens.of(config.llm());
        this.secondsPerToken = 1.0 / config.tokenFrameRate();
        if (model.speechVocabSize() != llm.speechVocabSize()) {
            throw new IllegalArgumentException("LM head scores " + model.speechVocabSize() + " speech ids but the configuration expects "
                    + llm.speechVocabSize());
        }
    }

    /**
     * Decodes with the official length limits ({@link LlmRequest#defaultBudget()}) and a sampler
     * seeded with {@code seed}: the same seed gives the same tokens.
     */
    public GenerationResult generate(LlmRequest request, long seed, SpeechTokenSink sink,
                                     Consumer<StageEvent> events, BooleanSupplier cancel) throws InterruptedException {
        return generate(request, request.defaultBudget(), new RasSampler(llm.sampling(), RasSampler.seeded(seed)), sink, events, cancel);
    }

    /** Decodes with the official length limits ({@link LlmRequest#defaultBudget()}). */
    public GenerationResult generate(LlmRequest request, RasSampler sampler, SpeechTokenSink sink,
                                     Consumer<StageEvent> events, BooleanSupplier cancel) throws InterruptedException {
        return generate(request, request.defaultBudget(), sampler, sink, events, cancel);
    }

    /**
     * Runs one utterance to its end. The session is closed on every exit: stop, budget, cancellation,
     * interruption or error.
     *
     * @param sink   receives each token meant for the flow stage as soon as it is sampled
     * @param events receives one event per step (see the class comment)
     * @param cancel checked before every step (e.g. a {@link CancellationToken}); when true, the decode
     *               stops with {@link StopReason#CANCELLED}
     * @throws InterruptedException if the sink was interrupted, or the thread between two steps
     */
    public GenerationResult generate(LlmRequest request, TokenBudget budget, RasSampler sampler, SpeechTokenSink sink,
                                     Consumer<StageEvent> events, BooleanSupplier cancel) throws InterruptedException {
        SilenceThrottle throttle = SilenceThrottle.cosyVoice3(llm.speechTokenSize());
        int[] out = new int[Math.min(budget.maxTokens(), 4096)];
        int count = 0, forwarded = 0;
        StopReason reason = budget instanceof TokenBudget.Fixed ? StopReason.BUDGET_USED : StopReason.MAX_TOKENS;

        long begin = System.nanoTime();
        long prefillEnd = begin, stepStart = begin, busy = 0;
        if (cancel.getAsBoolean()) return new GenerationResult(new int[0], 0, StopReason.CANCELLED, 0, 0);
        try (LmSession session = model.start(request.textIds(), request.promptSpeechTokens())) {
            prefillEnd = System.nanoTime();
            for (int step = 0; step < budget.maxTokens(); step++) {
                if (cancel.getAsBoolean()) {
                    reason = StopReason.CANCELLED;
                    break;
                }
                if (Thread.interrupted()) throw new InterruptedException("speech token generation interrupted at step " + step);
                if (step > 0) session.append(out[count - 1]); // speech_embedding[token] at the next position
                float[] logp = session.logProbs();
                if (budget.masksStopIds(step)) {
                    logp = logp.clone(); // an engine may hand out its own buffer
                    stopTokens.mask(logp);
                }
                int token = sampler.sample(logp, out, count);
                long accepted = System.nanoTime();
                busy += accepted - stepStart;
                if (stopTokens.contains(token)) {
                    events.accept(new StageEvent(Stage.LLM, step, stepStart, accepted, 0, 0));
                    reason = StopReason.STOP_TOKEN;
                    break;
                }
                if (count == out.length) out = Arrays.copyOf(out, Math.min(budget.maxTokens(), 2 * out.length));
                out[count++] = token;
                boolean toFlow = throttle.forward(token);
                events.accept(new StageEvent(Stage.LLM, step, stepStart, accepted, 1, toFlow ? secondsPerToken : 0));
                if (toFlow) {
                    sink.accept(token);
                    forwarded++;
                }
                stepStart = System.nanoTime();
            }
        }
        long prefill = prefillEnd - begin;
        return new GenerationResult(Arrays.copyOf(out, count), forwarded, reason, prefill, Math.max(0, busy - prefill));
    }
}
