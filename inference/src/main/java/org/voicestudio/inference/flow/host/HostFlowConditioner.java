package org.voicestudio.inference.flow.host;

import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowLayout;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;

/**
 * Everything {@code CausalMaskedDiffWithDiT.inference} computes before the solver (reference §4.1, §4.3), in
 * plain Java on the host: {@code spks = spk_embed_affine_layer(normalize(xvec))}, the token embedding, the
 * pre-lookahead layer, {@code mu = h.repeat_interleave(token_mel_ratio)} transposed, the prompt cond and the
 * mask. Immutable after construction; safe to share between threads. Engines whose estimator runs
 * elsewhere (CUDA, TensorRT) use it: the conditioning runs once per request, not per Euler step.
 */
public final class HostFlowConditioner {
    private final FlowConfig config;
    private final HostSpeakerProjection speaker;
    private final HostTokenEmbedding inputEmbedding;
    private final HostPreLookaheadLayer preLookahead;

    public HostFlowConditioner(FlowConfig config, HostWeights weights) {
        if (config.inputSize() != config.outputSize()) {
            throw new IllegalArgumentException("the CosyVoice3 flow feeds h as mu, so input_size (" + config.inputSize()
                    + ") must equal output_size (" + config.outputSize() + ")");
        }
        this.config = config;
        this.speaker = new HostSpeakerProjection(weights, config);
        this.inputEmbedding = new HostTokenEmbedding(weights, config);
        this.preLookahead = new HostPreLookaheadLayer(weights, config);
    }

    /**
     * {@code spks} alone ({@code spk_embed_affine_layer(normalize(xvec))}, [80]): the hook for engines that compute
     * the token embedding and pre-lookahead layer themselves (the CUDA engine's GPU conditioning) but keep this
     * 80 x 192 affine on the host.
     */
    public float[] speakerEmbedding(float[] xvector) {
        return speaker.forward(xvector);
    }

    public FlowConditioning condition(FlowRequest request) {
        FlowLayout layout = FlowLayout.of(request, config);
        int mel = config.outputSize(), ratio = layout.tokenMelRatio();
        float[] spks = speaker.forward(request.embedding());                                                   // [80]
        float[] emb = inputEmbedding.forward(FlowLayout.clampedIds(request.promptTokens(), request.tokens())); // [P+N, 80]
        int encoded = layout.encodedTokens();
        float[] h = preLookahead.forward(emb, encoded);                                                       // [L, 80]
        int frames = layout.frames();
        float[] mu = new float[mel * frames];                                                                 // [80, T = ratio * L]
        for (int t = 0; t < encoded; t++) {
            for (int c = 0; c < mel; c++) {
                float v = h[t * mel + c];
                for (int r = 0; r < ratio; r++) mu[c * frames + t * ratio + r] = v;
            }
        }
        return new FlowConditioning(layout, spks, emb, h, mu, FlowConditioning.promptCondition(request.promptFeat(), frames),
                FlowConditioning.fullMask(frames));
    }
}
