package org.voicestudio.engines.cuda.flow;

import org.voicestudio.inference.flow.host.HostFlowConditioner;
import org.voicestudio.inference.flow.host.HostWeights;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.ConditionalFlowMatching;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.tensor.StateDict;

/**
 * {@code CausalMaskedDiffWithDiT.inference} with the DiT on the GPU (reference §4.1, §4.3): speaker
 * projection, token embedding, pre-lookahead layer, {@code repeat_interleave} to mu and the prompt cond on
 * the host, then the engine-independent {@link ConditionalFlowMatching} Euler/CFG solver over the
 * {@link CudaDitEstimator}, from the fixed {@link FlowNoise}.
 *
 * <p>Why the conditioning runs on the host: it is computed once per request (not per Euler step), it is
 * small (an 80 x 192 affine, a row lookup, two convs of {@code 80 x 1024 x 7} multiply-adds per token:
 * ~0.3 G multiply-adds for 500 tokens = 20 s of audio, spread over the cores), and plain Java keeps it
 * testable against the golden intermediates without a GPU. Measured on the H200 host (16 cores): 13 ms for
 * 325 tokens, 22 ms for 575, 5-10 % of the whole call; the 10 estimator steps dominate (docs/benchmarks.md).
 * Not thread-safe (one request at a time).
 */
public final class CudaFlowModel implements FlowModel {
    private final FlowConfig config;
    private final FlowNoise noise;
    private final HostFlowConditioner conditioner;
    private final CudaDitEstimator estimator;
    private final CudaContext ownedContext;   // null when the caller keeps the context
    private final ConditionalFlowMatching solver;

    private CudaFlowModel(FlowConfig config, FlowNoise noise, HostWeights weights, CudaDitEstimator estimator, CudaContext ownedContext) {
        if (noise.channels() != config.outputSize()) {
            throw new IllegalArgumentException(noise.source() + " has " + noise.channels() + " channels, the flow needs " + config.outputSize());
        }
        this.config = config;
        this.noise = noise;
        this.conditioner = new HostFlowConditioner(config, weights);
        this.estimator = estimator;
        this.ownedContext = ownedContext;
        this.solver = new ConditionalFlowMatching(estimator, config.outputSize(), config.nTimesteps(), config.inferenceCfgRate(), config.tScheduler());
    }

    /**
     * Uploads the DiT of {@code flow.pt} and keeps the conditioning weights on the host.
     *
     * @param ownsContext whether closing the model closes {@code ctx}
     * @param precision   the DiT's GEMM operands (fp32 = parity path; bf16 = tensor cores, fp32 accumulation)
     * @param noise       the solver's fixed starting noise ({@link FlowNoise#forModel}, or the golden slice in tests)
     */
    public static CudaFlowModel load(CudaContext ctx, boolean ownsContext, FlowConfig config, StateDict flow, FlowNoise noise,
                                     Gemm.Operands precision) {
        CudaDitEstimator dit = new CudaDitEstimator(ctx, CudaDitEstimator.Geometry.of(config), flow, precision);
        try {
            return new CudaFlowModel(config, noise, new HostWeights.Checkpoint(flow), dit, ownsContext ? ctx : null);
        } catch (RuntimeException | Error e) {
            dit.close();
            throw e;
        }
    }

    /**
     * Deterministic random weights of {@code config}'s geometry (benchmarks): the DiT made on the GPU with a
     * conv position kernel {@code convKernel} wide in {@code convGroups} groups, the conditioning on the host.
     * The caller keeps {@code ctx}.
     */
    public static CudaFlowModel random(CudaContext ctx, FlowConfig config, int convGroups, int convKernel, int seed,
                                       FlowNoise noise, Gemm.Operands precision) {
        CudaDitEstimator dit = CudaDitEstimator.random(ctx, CudaDitEstimator.Geometry.of(config), convGroups, convKernel, seed, precision);
        try {
            return new CudaFlowModel(config, noise, new HostWeights.Random(seed), dit, null);
        } catch (RuntimeException | Error e) {
            dit.close();
            throw e;
        }
    }

    public CudaDitEstimator estimator() { return estimator; }

    public FlowNoise noise() { return noise; }

    @Override
    public Mel inference(FlowRequest request) {
        return inference(request, ConditionalFlowMatching.StepObserver.NONE);
    }

    /** {@link #inference(FlowRequest)} with each Euler step reported to {@code observer}. */
    public Mel inference(FlowRequest request, ConditionalFlowMatching.StepObserver observer) {
        return solver.generate(condition(request), noise, request.streaming(), observer);
    }

    /** Everything before the solver, on the host: spks, token embeddings, h, mu, cond and mask for this request. */
    public FlowConditioning condition(FlowRequest request) {
        return conditioner.condition(request);
    }

    @Override
    public void close() {
        try {
            estimator.close();
        } finally {
            if (ownedContext != null) ownedContext.close();
        }
    }
}
