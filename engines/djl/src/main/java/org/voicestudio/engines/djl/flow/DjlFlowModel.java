package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.ConditionalFlowMatching;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowEstimator;
import org.voicestudio.inference.flow.FlowLayout;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.loading.ModelFolder;

import java.util.Arrays;

/**
 * {@code CausalMaskedDiffWithDiT.inference} on DJL (reference §4.1, §4.3), fp32 on CPU: speaker projection,
 * token embedding, pre-lookahead layer, {@code repeat_interleave} to mu, prompt cond, then the engine-independent
 * {@link ConditionalFlowMatching} solver over the {@link DjlDitEstimator}, from the fixed {@link FlowNoise}.
 * Owns its torch memory; the {@link ModelFolder} stays owned by the caller.
 */
public final class DjlFlowModel implements FlowModel {
    private final FlowConfig config;
    private final NDManager manager;
    private final FlowNoise noise;
    private final SpeakerProjection speaker;
    private final TokenEmbedding inputEmbedding;
    private final PreLookaheadLayer preLookahead;
    private final DjlDitEstimator estimator;
    private final ConditionalFlowMatching solver;

    /** With the folder's exported noise if it has one, else the seeded noise (see {@link FlowNoise#forModel}). */
    public DjlFlowModel(ModelFolder folder) {
        this(folder, FlowNoise.forModel(folder, folder.config().flow().outputSize()));
    }

    /** With injected noise (tests inject the golden {@code flow_rand_noise}). */
    public DjlFlowModel(ModelFolder folder, FlowNoise noise) {
        this.config = folder.config().flow();
        if (noise.channels() != config.outputSize()) {
            throw new IllegalArgumentException(noise.source() + " has " + noise.channels() + " channels, the flow needs " + config.outputSize());
        }
        this.noise = noise;
        this.manager = NDManager.newBaseManager("PyTorch");
        try {
            DjlWeights w = new DjlWeights(folder.flowWeights(), manager);
            speaker = new SpeakerProjection(w, config);
            inputEmbedding = new TokenEmbedding(w, config);
            preLookahead = new PreLookaheadLayer(w, config);
            estimator = new DjlDitEstimator(w, config);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        solver = new ConditionalFlowMatching(estimator, config.outputSize(), config.nTimesteps(), config.inferenceCfgRate(), config.tScheduler());
    }

    public FlowEstimator estimator() { return estimator; }

    public FlowNoise noise() { return noise; }

    @Override
    public Mel inference(FlowRequest request) {
        return inference(request, ConditionalFlowMatching.StepObserver.NONE);
    }

    /** {@link #inference(FlowRequest)} with each Euler step reported to {@code observer}. */
    public Mel inference(FlowRequest request, ConditionalFlowMatching.StepObserver observer) {
        return solver.generate(condition(request), noise, request.streaming(), observer);
    }

    /** Everything before the solver: spks, token embeddings, h, mu, cond and mask for this request. */
    public FlowConditioning condition(FlowRequest request) {
        FlowLayout layout = FlowLayout.of(request, config);
        int mel = config.outputSize();
        try (NDManager call = manager.newSubManager()) {
            NDArray xvec = call.create(request.embedding(), new Shape(1, config.spkEmbedDim()));
            NDArray spks = speaker.forward(xvec);                                                    // [1, 80]

            int[] ids = FlowLayout.clampedIds(request.promptTokens(), request.tokens());
            NDArray tokens = call.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(1, ids.length));
            NDArray emb = inputEmbedding.forward(tokens);                                           // [1, P+N, 80]

            NDArray h = layout.last()
                    ? preLookahead.forward(emb, null)                                                // [1, P+N, 80]
                    : preLookahead.forward(emb.get(new NDIndex(":, :{}", layout.encodedTokens())),
                                           emb.get(new NDIndex(":, {}:", layout.encodedTokens())));   // [1, P+N-3, 80]
            NDArray mu = h.repeat(1, layout.tokenMelRatio()).transpose(0, 2, 1);                     // [1, 80, T]

            int frames = layout.frames();
            if (mu.getShape().get(2) != frames) throw new IllegalStateException("mu has " + mu.getShape() + ", expected " + frames + " frames");
            return new FlowConditioning(layout, spks.toFloatArray(), emb.toFloatArray(), h.toFloatArray(), mu.toFloatArray(),
                    FlowConditioning.promptCondition(request.promptFeat(), frames), FlowConditioning.fullMask(frames));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
