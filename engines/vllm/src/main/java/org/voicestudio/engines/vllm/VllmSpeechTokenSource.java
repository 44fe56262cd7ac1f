package org.voicestudio.engines.vllm;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.pipeline.SpeechTokenSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The LLM stage on a vLLM server: the prompt goes as token ids, speech tokens come back as they
 * are sampled. The server samples with top-k / top-p / temperature; it has no CosyVoice
 * repetition-aware resampling (RAS), so long outputs can differ in character from the DJL or CUDA
 * engines' sampling. Length limits follow the official rule: at least 2 and at most 20 speech
 * tokens per text token; {@code min_tokens} suppresses every stop id below the minimum.
 */
public final class VllmSpeechTokenSource implements SpeechTokenSource {
    private final VllmClient client;
    private final SpeechVocabulary vocab;
    private final ModelConfig.SamplingConfig sampling;

    public VllmSpeechTokenSource(VllmClient client, SpeechVocabulary vocab, ModelConfig.SamplingConfig sampling) {
        this.client = client;
        this.vocab = vocab;
        this.sampling = sampling;
    }

    /** In words, for the studio: what sampling this engine uses. */
    public String samplingDescription() {
        return "vLLM server sampling: top-k " + sampling.topK() + ", top-p " + sampling.topP()
                + ", temperature 1 — no repetition-aware resampling";
    }

    @Override
    public void generate(int[] promptTextIds, int[] textIds, int[] promptSpeechTokens, long seed, TokenSink sink) {
        int[] text = new int[promptTextIds.length + textIds.length];
        System.arraycopy(promptTextIds, 0, text, 0, promptTextIds.length);
        System.arraycopy(textIds, 0, text, promptTextIds.length, textIds.length);
        int[] prompt = vocab.prompt(text, promptSpeechTokens);
        int minLen = 2 * textIds.length;
        int maxLen = 20 * textIds.length;
        AtomicReference<InputStream> open = new AtomicReference<>();
        try {
            client.complete(prompt, minLen, maxLen, vocab.stopServerIds(), vocab.allowedServerIds(),
                    new VllmClient.Sampling(sampling.topK(), sampling.topP(), 1.0, seed),
                    serverId -> {
                        int speech = vocab.toSpeechId(serverId);
                        if (speech < 0) {
                            throw new VllmClient.VllmException("the server returned token id " + serverId
                                    + ", which is not a speech token of this model: it serves another model or ignores allowed_token_ids");
                        }
                        if (speech >= vocab.speechTokenSize()) return false; // a stop id ends the utterance
                        return sink.accept(speech);
                    }, open);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
