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
 *
 * <p>The Euler/CFG loop runs as {@link Solver} says: by default on the device as one CUDA graph per shape
 * ({@link CudaEulerSolver}); the previous host loop (the shared {@link ConditionalFlowMatching} driving 10
 * estimator calls with host copies in and out) stays available through the system property
 * {@value #SOLVER_PROPERTY}{@code =host}. Not thread-safe (one request at a time).
 */
public final class CudaFlowModel implements FlowModel {
    /** System property choosing the default {@link Solver}: {@code graph} (default), {@code device} or {@code host}. */
    public static final String SOLVER_PROPERTY = "voicestudio.cuda.flow.solver";

    /** Where the 10 Euler/CFG steps run. */
    public enum Solver {
        /** On the device, the whole solve captured once per (T, streaming) as a CUDA graph and replayed. */
        GRAPH,
        /** On the device, the same launch list issued op by op (no graph). */
        DEVICE,
        /** The host loop: {@link ConditionalFlowMatching} with one estimator call per step, copies in and out. */
        HOST;

        /** {@value #SOLVER_PROPERTY} of the running JVM, {@link #GRAPH} when unset. */
        public static Solver fromSystemProperty() {
            String v = System.getProperty(SOLVER_PROPERTY, "graph").trim();
            for (Solver s : values()) if (s.name().equalsIgnoreCase(v)) return s;
            throw new IllegalArgumentException("system property " + SOLVER_PROPERTY + "=" + v + ": expected graph, device or host");
        }
    }

    private final FlowConfig config;
    private final HostFlowConditioner conditioner;
    private final CudaDitEstimator estimator;
    private final CudaContext ownedContext;   // null when the caller keeps the context
    private final ConditionalFlowMatching solver;
    private final FlowNoise noise;
    private final Solver defaultSolver;
    private CudaEulerSolver deviceSolver;   // made on first use, so the host loop needs none of its resources

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
        this.defaultSolver = Solver.fromSystemProperty();
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

    /** The solver {@link #inference(FlowRequest)} uses ({@value #SOLVER_PROPERTY} when the model was made). */
    public Solver solver() { return defaultSolver; }

    @Override
    public Mel inference(FlowRequest request) {
        return inference(request, ConditionalFlowMatching.StepObserver.NONE);
    }

    /** {@link #inference(FlowRequest)} with each Euler step reported to {@code observer}. */
    public Mel inference(FlowRequest request, ConditionalFlowMatching.StepObserver observer) {
        return inference(request, defaultSolver, observer);
    }

    /**
     * One request with the Euler loop where {@code how} says. With an observer, {@link Solver#GRAPH} issues the
     * graph's launch list step by step (the observer needs every state on the host), as {@link Solver#DEVICE}.
     */
    public Mel inference(FlowRequest request, Solver how, ConditionalFlowMatching.StepObserver observer) {
        FlowConditioning c = condition(request);
        if (how == Solver.HOST) return solver.generate(c, noise, request.streaming(), observer);
        if (deviceSolver == null) {
            deviceSolver = new CudaEulerSolver(estimator.context(), estimator, noise, config.nTimesteps(), config.inferenceCfgRate(), config.tScheduler());
        }
        float[] x = deviceSolver.solve(c, request.streaming(), how == Solver.GRAPH, observer);
        return c.target(x, config.outputSize());
    }

    /** Everything before the solver, on the host: spks, token embeddings, h, mu, cond and mask for this request. */
    public FlowConditioning condition(FlowRequest request) {
        return conditioner.condition(request);
    }

    @Override
    public void close() {
        try {
            try {
                if (deviceSolver != null) deviceSolver.close();
            } finally {
                estimator.close();
            }
        } finally {
            if (ownedContext != null) ownedContext.close();
        }
    }
}
