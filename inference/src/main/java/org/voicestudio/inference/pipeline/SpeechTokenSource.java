package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.llm.LlmRequest;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.llm.SpeechTokenGenerator;
import org.voicestudio.inference.metrics.StageEvent;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Where a request's speech tokens come from: the LLM stage (decode loop over a
 * {@link org.voicestudio.inference.llm.SpeechLanguageModel}). Runs on the pipeline's LLM thread.
 */
@FunctionalInterface
public interface SpeechTokenSource extends AutoCloseable {

    /**
     * Generates the speech tokens of {@code textIds} spoken in a voice, handing each token meant for
     * the flow stage to {@code sink} as soon as it is sampled (after CosyVoice3's silent-token
     * throttle); returns when generation has ended (stop token, length limit, cancellation). Closes
     * whatever session it opened.
     *
     * @param promptTextIds      the voice's prompt text ids (they precede {@code textIds} in the prefill)
     * @param textIds            the text to speak (length limits are counted on these only)
     * @param promptSpeechTokens the voice's prompt speech tokens
     * @param seed               sampling seed: same seed, same tokens
     * @param steps              one {@link org.voicestudio.inference.engine.Stage#LLM} event per decode step
     * @param cancelled          checked before every step; true stops generation
     */
    void generate(int[] promptTextIds, int[] textIds, int[] promptSpeechTokens, long seed, TokenSink sink,
                  Consumer<StageEvent> steps, BooleanSupplier cancelled) throws Exception;

    /**
     * The LLM stage: {@link SpeechTokenGenerator} over {@code model} with the official length
     * limits, RAS sampling seeded per request and CosyVoice3's silent-token throttle.
     */
    static SpeechTokenSource llm(SpeechLanguageModel model, ModelConfig config) {
        SpeechTokenGenerator generator = new SpeechTokenGenerator(model, config);
        return (promptTextIds, textIds, promptSpeechTokens, seed, sink, steps, cancelled) ->
                generator.generate(new LlmRequest(promptTextIds, textIds, promptSpeechTokens), seed, sink::accept, steps, cancelled);
    }

    /** Releases what the source holds (a model it owns, a connection); nothing by default. */
    @Override
    default void close() {}

    /** Receives tokens in order. */
    @FunctionalInterface
    interface TokenSink {
        void accept(int speechToken) throws InterruptedException;
    }
}
