package org.voicestudio.engines.tensorrt;

import org.voicestudio.inference.flow.host.HostFlowConditioner;
import org.voicestudio.inference.flow.host.HostWeights;

import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.voicestudio.engines.tensorrt.cache.BuildOptions;
import org.voicestudio.engines.tensorrt.cache.PlanCache;
import org.voicestudio.engines.tensorrt.plan.LayerPlan;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.ConditionalFlowMatching;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.loading.ModelFolder;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * The flow stage with the DiT estimator on TensorRT: plain-Java conditioning ({@link HostFlowConditioner}), then the
 * engine-independent {@link ConditionalFlowMatching} solver over {@link TensorRtDitEstimator}, from the fixed
 * {@link FlowNoise} — the same composition as the DJL flow model.
 *
 * <p>NOT RUN end to end: the conditioning is tested against the golden fixtures on the CPU; the estimator
 * needs TensorRT, which no machine of this project has.
 */
public final class TensorRtFlowModel implements FlowModel {
    private final FlowConfig config;
    private final FlowNoise noise;
    private final HostFlowConditioner conditioner;
    private final TensorRtDitEstimator estimator;
    private final ConditionalFlowMatching solver;

    TensorRtFlowModel(FlowConfig config, FlowNoise noise, HostFlowConditioner conditioner, TensorRtDitEstimator estimator) {
        this.config = config;
        this.noise = noise;
        this.conditioner = conditioner;
        this.estimator = estimator;
        this.solver = new ConditionalFlowMatching(estimator, config.outputSize(), config.nTimesteps(), config.inferenceCfgRate(), config.tScheduler());
    }

    /** Loads or builds the DiT plans for {@code options} and opens {@code contexts} execution contexts per plan. */
    public static TensorRtFlowModel open(ModelFolder folder, BuildOptions options, PlanCache cache, int contexts, PrintStream log)
            throws IOException {
        TensorRtLibrary.Info info = TensorRtLibrary.load();
        ILogger logger = TensorRtLibrary.logger(log, false);
        FlowConfig c = folder.config().flow();
        List<LayerPlan> plans = TensorRtPlans.ditPlans(folder.config(), options);
        PlanRunner full = TensorRtPlans.runner(plans.get(0), folder.flowWeights(), info, options, cache, logger, contexts, log);
        PlanRunner streaming;
        try {
            streaming = plans.size() > 1
                    ? TensorRtPlans.runner(plans.get(1), folder.flowWeights(), info, options, cache, logger, contexts, log)
                    : full;
        } catch (IOException | RuntimeException e) {
            full.close();
            throw e;
        }
        TensorRtDitEstimator estimator = new TensorRtDitEstimator(full, streaming, c.outputSize(), c.staticChunkSize());
        return new TensorRtFlowModel(c, FlowNoise.forModel(folder, c.outputSize()), new HostFlowConditioner(c, new HostWeights.Checkpoint(folder.flowWeights())), estimator);
    }

    public TensorRtDitEstimator estimator() { return estimator; }

    @Override
    public Mel inference(FlowRequest request) {
        return solver.generate(conditioner.condition(request), noise, request.streaming(), ConditionalFlowMatching.StepObserver.NONE);
    }

    @Override
    public void close() {
        estimator.close();
    }
}
