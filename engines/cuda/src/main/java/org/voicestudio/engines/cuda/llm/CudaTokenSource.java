package org.voicestudio.engines.cuda.llm;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.llm.GenerationResult;
import org.voicestudio.inference.llm.GenerationResult.StopReason;
import org.voicestudio.inference.llm.LlmRequest;
import org.voicestudio.inference.llm.SilenceThrottle;
import org.voicestudio.inference.llm.SpeechTokenSink;
import org.voicestudio.inference.llm.TokenBudget;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.pipeline.SpeechTokenSource;

import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The LLM stage with on-GPU sampling: the contract of {@link SpeechTokenSource#llm} (official length
 * limits, RAS sampling seeded per request, CosyVoice3's silent-token throttle, one {@link Stage#LLM}
 * event per decode step, cancellation) with {@link CudaSpeechLanguageModel.Session#sampleOnGpu}
 * doing the sampling, {@code batch} steps per host read-back.
 *
 * <p>Differences from the host loop, by design: the uniforms come from Philox4x32-10 under the seed
 * (the host loop uses {@code RasSampler.seeded}), so a seed gives the same tokens on every GPU run
 * but not the host loop's tokens; cancellation is checked before every batch (at most
 * {@code batch} steps late); tokens reach the sink per batch; the steps of one batch share its time
 * evenly in their events (the device does not report per-step times).
 */
public final class CudaTokenSource implements SpeechTokenSource {
    private final CudaSpeechLanguageModel model;
    private final ModelConfig config;
    private final int batch;
    private final boolean ownsModel;

    /**
     * @param batch     decode steps per read-back ({@link CudaSpeechLanguageModel#gpuSamplingBatch()})
     * @param ownsModel whether {@link #close} closes the model
     */
    public CudaTokenSource(CudaSpeechLanguageModel model, ModelConfig config, int batch, boolean ownsModel) {
        if (batch < 1) throw new IllegalArgumentException("steps per read-back must be at least 1, got " + batch);
        if (model.speechVocabSize() != config.llm().speechVocabSize()) {
            throw new IllegalArgumentException("LM head scores " + model.speechVocabSize() + " speech ids but the configuration expects "
                    + config.llm().speechVocabSize());
        }
        this.model = model;
        this.config = config;
        this.batch = batch;
        this.ownsModel = ownsModel;
    }

    @Override
    public void generate(int[] promptTextIds, int[] textIds, int[] promptSpeechTokens, long seed, TokenSink sink,
                         Consumer<StageEvent> steps, BooleanSupplier cancelled) throws InterruptedException {
        LlmRequest request = new LlmRequest(promptTextIds, textIds, promptSpeechTokens);
        generate(request, request.defaultBudget(), seed, sink::accept, steps, cancelled);
    }

    /** One utterance to its end (stop id, budget, cancellation); the session is closed on every exit. */
    public GenerationResult generate(LlmRequest request, TokenBudget budget, long seed, SpeechTokenSink sink,
                                     Consumer<StageEvent> events, BooleanSupplier cancel) throws InterruptedException {
        SilenceThrottle throttle = SilenceThrottle.cosyVoice3(config.llm().speechTokenSize());
        double secondsPerToken = 1.0 / config.tokenFrameRate();
        int forwarded = 0, step = 0;
        int[] out = new int[0];
        StopReason reason = null;
        long begin = System.nanoTime();
        if (cancel.getAsBoolean()) return new GenerationResult(new int[0], 0, StopReason.CANCELLED, 0, 0);
        long prefillEnd, busy = 0;
        try (CudaSpeechLanguageModel.Session session = model.start(request.textIds(), request.promptSpeechTokens());
             CudaSpeechLanguageModel.Session.GpuDecode decode = session.sampleOnGpu(config.llm().sampling(), budget, seed)) {
            prefillEnd = System.nanoTime();
            long batchStart = begin;   // the first batch's events include the prefill, as in the host loop
            while (!decode.finished()) {
                if (cancel.getAsBoolean()) {
                    reason = StopReason.CANCELLED;
                    break;
                }
                if (Thread.interrupted()) throw new InterruptedException("speech token generation interrupted at step " + step);
                int[] fresh = decode.next(batch);
                long batchEnd = System.nanoTime();
                busy += batchEnd - batchStart;
                int taken = decode.steps() - step;   // accepted tokens, plus the stop id's step when it ended so
                for (int i = 0; i < taken; i++) {
                    long s0 = batchStart + (batchEnd - batchStart) * i / taken, s1 = batchStart + (batchEnd - batchStart) * (i + 1) / taken;
                    if (i >= fresh.length) {
                        events.accept(new StageEvent(Stage.LLM, step + i, s0, s1, 0, 0));   // the stop id
                        continue;
                    }
                    boolean toFlow = throttle.forward(fresh[i]);
                    events.accept(new StageEvent(Stage.LLM, step + i, s0, s1, 1, toFlow ? secondsPerToken : 0));
                    if (toFlow) {
                        sink.accept(fresh[i]);
                        forwarded++;
                    }
                }
                step += taken;
                out = append(out, fresh);
                batchStart = System.nanoTime();
            }
            if (reason == null) reason = decode.stopReason(budget);
        }
        long prefill = prefillEnd - begin;
        return new GenerationResult(out, forwarded, reason, prefill, Math.max(0, busy - prefill));
    }

    private static int[] append(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Override
    public void close() {
        if (ownsModel) model.close();
    }
}
