package org.voicestudio.engines.vllm;

import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.llm.LlmRequest;
import org.voicestudio.inference.llm.SilenceThrottle;
import org.voicestudio.inference.llm.TokenBudget;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.pipeline.SpeechTokenSource;

import java.io.InputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The LLM stage on a vLLM server: the prompt goes as token ids, speech tokens come back as they
 * are sampled. The server samples with top-k / top-p / temperature; it has no CosyVoice
 * repetition-aware resampling (RAS) — see {@link ServerSampling#description()}. Length limits
 * follow the official rule (2 to 20 speech tokens per text token, {@link TokenBudget}); the
 * server's {@code min_tokens} suppresses every stop id below the minimum. CosyVoice3's silence
 * throttle is applied here, between the server and the flow stage, as for the local engines.
 */
public final class VllmSpeechTokenSource implements SpeechTokenSource {
    private final VllmClient client;
    private final SpeechVocabulary vocab;
    private final ServerSampling sampling;
    private final double secondsPerToken;

    /**
     * What the server is asked to do. {@code topK = 1} is greedy decoding.
     */
    public record ServerSampling(int topK, double topP, double temperature) {
        /** The nearest the server comes to the official sampling: its nucleus, without RAS. */
        public static ServerSampling official(org.voicestudio.inference.config.ModelConfig.SamplingConfig s) {
            return new ServerSampling(s.topK(), s.topP(), 1.0);
        }

        public static ServerSampling greedy() { return new ServerSampling(1, 1.0, 1.0); }

        /** In words, for the studio. */
        public String description() {
            return topK == 1 ? "vLLM server, greedy decoding"
                    : "vLLM server sampling: top-k " + topK + ", top-p " + topP + ", temperature " + temperature
                    + " (no CosyVoice repetition-aware resampling)";
        }
    }

    public VllmSpeechTokenSource(VllmClient client, SpeechVocabulary vocab, ServerSampling sampling, int tokenFrameRate) {
        this.client = client;
        this.vocab = vocab;
        this.sampling = sampling;
        this.secondsPerToken = 1.0 / tokenFrameRate;
    }

    public ServerSampling sampling() { return sampling; }

    @Override
    public void generate(int[] promptTextIds, int[] textIds, int[] promptSpeechTokens, long seed, TokenSink sink,
                         Consumer<StageEvent> steps, BooleanSupplier cancelled) throws IOException, InterruptedException {
        LlmRequest request = new LlmRequest(promptTextIds, textIds, promptSpeechTokens);
        TokenBudget.UntilStop budget = request.defaultBudget();
        int[] prompt = vocab.prompt(request.textIds(), promptSpeechTokens);
        SilenceThrottle throttle = SilenceThrottle.cosyVoice3(vocab.speechTokenSize());
        AtomicReference<InputStream> open = new AtomicReference<>();
        long[] stepStart = {System.nanoTime()};
        int[] index = {0};
        InterruptedException[] interrupted = {null};
        client.complete(prompt, budget.minTokens(), budget.maxTokens(), vocab.stopServerIds(), vocab.allowedServerIds(),
                new VllmClient.Sampling(sampling.topK(), sampling.topP(), sampling.temperature(), seed),
                serverId -> {
                    if (cancelled.getAsBoolean()) return false;
                    int speech = vocab.toSpeechId(serverId);
                    if (speech < 0) {
                        throw new VllmClient.VllmException("the server returned token id " + serverId
                                + ", which is not a speech token of this model: it serves another model or ignores allowed_token_ids");
                    }
                    long now = System.nanoTime();
                    boolean stop = speech >= vocab.speechTokenSize();
                    boolean toFlow = !stop && throttle.forward(speech);
                    // one LLM event per streamed id: the wait for it is this step's work on the server
                    steps.accept(new StageEvent(Stage.LLM, index[0]++, stepStart[0], now, stop ? 0 : 1, toFlow ? secondsPerToken : 0));
                    stepStart[0] = now;
                    if (stop) return false;
                    if (toFlow) {
                        try {
                            sink.accept(speech);
                        } catch (InterruptedException e) {
                            interrupted[0] = e;
                            return false;
                        }
                    }
                    return true;
                }, open);
        if (interrupted[0] != null) throw interrupted[0];
    }
}
