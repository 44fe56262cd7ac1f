package org.voicestudio.engines.cuda.flow;

import org.voicestudio.inference.flow.host.HostFlowConditioner;
import org.voicestudio.inference.flow.host.HostWeights;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.ConditionalFlowMatching;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowLayout;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.tensor.StateDict;

/**
 * {@code CausalMaskedDiffWithDiT.inference} with the DiT on the GPU (reference §4.1, §4.3): speaker
 * projection, token embedding, pre-lookahead layer, {@code repeat_interleave} to mu and the prompt cond, then
 * the Euler/CFG solver over the {@link CudaDitEstimator}, from the fixed {@link FlowNoise}.
 *
 * <p>By default (the new path) the token embedding and the pre-lookahead convs run on the GPU
 * ({@link CudaFlowConditioner}, writing mu straight into the solver's input; the 80 x 192 speaker affine and the
 * prompt cond stay on the host) and the 10 Euler/CFG steps run on the device as one CUDA graph per
 * (T, streaming) ({@link CudaEulerSolver}). The previous path stays available: the system property
 * {@value #SOLVER_PROPERTY}{@code =host} runs the shared host loop ({@link ConditionalFlowMatching}, one
 * estimator call per step with host copies in and out, after {@link HostFlowConditioner}: 13 ms for 325 tokens,
 * 22 ms for 575 on the H200 host's 16 cores); {@value #SOLVER_PROPERTY}{@code =device} keeps the device loop
 * without the graph; {@value #CONDITIONER_PROPERTY}{@code =host} keeps the device loop with the host
 * conditioning. Not thread-safe (one request at a time).
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

    /** System property choosing where the device solvers' conditioning runs: {@code gpu} (default) or {@code host}. */
    public static final String CONDITIONER_PROPERTY = "voicestudio.cuda.flow.conditioner";

    /** Where the token embedding and pre-lookahead layer run for the device solvers (the host loop always uses the host). */
    public enum Conditioner {
        GPU, HOST;

        /** {@value #CONDITIONER_PROPERTY} of the running JVM, {@link #GPU} when unset. */
        public static Conditioner fromSystemProperty() {
            String v = System.getProperty(CONDITIONER_PROPERTY, "gpu").trim();
            for (Conditioner c : values()) if (c.name().equalsIgnoreCase(v)) return c;
            throw new IllegalArgumentException("system property " + CONDITIONER_PROPERTY + "=" + v + ": expected gpu or host");
        }
    }

    private final FlowConfig config;
    private final HostFlowConditioner conditioner;
    private final Conditioner defaultConditioner;
    private final CudaFlowConditioner gpuConditioner;   // null when the property says host
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
        this.defaultConditioner = Conditioner.fromSystemProperty();
        // made now, while the checkpoint is open; nothing after this can fail and leak it
        this.gpuConditioner = defaultConditioner == Conditioner.GPU ? new CudaFlowConditioner(estimator.context(), config, weights) : null;
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
        return random(ctx, config, convGroups, convKernel, seed, noise, precision, CudaDitEstimator.Bf16Kernels.fromSystemProperty());
    }

    /** As {@link #random(CudaContext, FlowConfig, int, int, int, FlowNoise, Gemm.Operands)} with the bf16 path's attention and conv kernels given. */
    public static CudaFlowModel random(CudaContext ctx, FlowConfig config, int convGroups, int convKernel, int seed,
                                       FlowNoise noise, Gemm.Operands precision, CudaDitEstimator.Bf16Kernels kernels) {
        CudaDitEstimator dit = CudaDitEstimator.random(ctx, CudaDitEstimator.Geometry.of(config), convGroups, convKernel, seed, precision, kernels);
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
        return inference(request, how, defaultConditioner, observer);
    }

    /**
     * As {@link #inference(FlowRequest, Solver, ConditionalFlowMatching.StepObserver)} with the device solvers'
     * conditioning given ({@link Solver#HOST} always conditions on the host). {@link Conditioner#GPU} needs the
     * model made without {@value #CONDITIONER_PROPERTY}{@code =host}.
     */
    public Mel inference(FlowRequest request, Solver how, Conditioner where, ConditionalFlowMatching.StepObserver observer) {
        if (how == Solver.HOST) return solver.generate(condition(request), noise, request.streaming(), observer);
        if (deviceSolver == null) {
            deviceSolver = new CudaEulerSolver(estimator.context(), estimator, noise, config.nTimesteps(), config.inferenceCfgRate(), config.tScheduler());
        }
        boolean graph = how == Solver.GRAPH;
        if (where == Conditioner.HOST) {
            FlowConditioning c = condition(request);
            return c.target(deviceSolver.solve(c, request.streaming(), graph, observer), config.outputSize());
        }
        if (gpuConditioner == null) {
            throw new IllegalStateException("GPU conditioning was not loaded (" + CONDITIONER_PROPERTY + "=host when the model was made)");
        }
        FlowLayout layout = FlowLayout.of(request, config);
        int frames = layout.frames();
        float[] x = deviceSolver.solve(frames, conditioner.speakerEmbedding(request.embedding()),
                FlowConditioning.promptCondition(request.promptFeat(), frames), FlowConditioning.fullMask(frames),
                mu -> gpuConditioner.writeMu(request, layout, mu), request.streaming(), graph, observer);
        return new Mel(config.outputSize(), frames, x).slice(layout.promptFrames(), frames);
    }

    /** Shapes whose solve is held as a captured CUDA graph now (tests). */
    int capturedGraphs() { return deviceSolver == null ? 0 : deviceSolver.capturedGraphs(); }

    /** mu (80, T) of {@code request} from the GPU conditioning, downloaded (tests). */
    float[] gpuMu(FlowRequest request) {
        if (gpuConditioner == null) throw new IllegalStateException("GPU conditioning was not loaded");
        return gpuConditioner.mu(request, FlowLayout.of(request, config));
    }

    /** Everything before the solver, on the host: spks, token embeddings, h, mu, cond and mask for this request. */
    public FlowConditioning condition(FlowRequest request) {
        return conditioner.condition(request);
    }

    @Override
    public void close() {
        try {
            try {
                try {
                    if (deviceSolver != null) deviceSolver.close();
                } finally {
                    if (gpuConditioner != null) gpuConditioner.close();
                }
            } finally {
                estimator.close();
            }
        } finally {
            if (ownedContext != null) ownedContext.close();
        }
    }
}
