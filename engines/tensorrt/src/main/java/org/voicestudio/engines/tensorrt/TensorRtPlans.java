package org.voicestudio.engines.tensorrt;

import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.voicestudio.engines.tensorrt.cache.BuildOptions;
import org.voicestudio.engines.tensorrt.cache.PlanCache;
import org.voicestudio.engines.tensorrt.cache.PlanKey;
import org.voicestudio.engines.tensorrt.cache.WeightsHash;
import org.voicestudio.engines.tensorrt.plan.DitPlan;
import org.voicestudio.engines.tensorrt.plan.HiftDecoderPlan;
import org.voicestudio.engines.tensorrt.plan.LayerPlan;
import org.voicestudio.engines.tensorrt.plan.MaskMode;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.tensor.StateDict;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Which plans a model needs for given options, and getting each one from the cache or the builder.
 * The plan list is plain Java (tested); {@link #runner} needs TensorRT.
 */
public final class TensorRtPlans {
    private TensorRtPlans() {}

    /** The DiT plans: full + streaming with baked masks, or the single bias-input plan. */
    public static List<LayerPlan> ditPlans(ModelConfig config, BuildOptions o) {
        List<LayerPlan> plans = new ArrayList<>();
        if (o.maskMode() == MaskMode.BAKED) {
            plans.add(DitPlan.of(config.flow(), o.precision(), MaskMode.BAKED, false, o.profile()));
            plans.add(DitPlan.of(config.flow(), o.precision(), MaskMode.BAKED, true, o.profile()));
        } else {
            plans.add(DitPlan.of(config.flow(), o.precision(), MaskMode.INPUT, false, o.profile()));
        }
        return plans;
    }

    /** The vocoder decoder plan (always fp32). */
    public static LayerPlan hiftPlan(ModelConfig config, BuildOptions o) {
        return HiftDecoderPlan.of(config.hift(), o.profile());
    }

    /** The cache key of {@code plan} with these weights on this GPU / TensorRT. */
    public static PlanKey key(LayerPlan plan, StateDict weights, TensorRtLibrary.Info info, BuildOptions o) {
        return new PlanKey(plan.name(), info.gpuName(), info.computeCapability(), info.version(), WeightsHash.of(weights, plan.weightKeys()), o);
    }

    /** Loads or builds {@code plan} and opens it with {@code contexts} execution contexts; progress goes to {@code log}. */
    static PlanRunner runner(LayerPlan plan, StateDict weights, TensorRtLibrary.Info info, BuildOptions o, PlanCache cache,
                             ILogger logger, int contexts, PrintStream log) throws IOException {
        PlanKey key = key(plan, weights, info, o);
        PlanCache.Resolution r = cache.loadOrBuild(key, k -> {
            log.println("building TensorRT plan " + plan.name() + " (" + plan.layers().size() + " layers; this takes minutes once per GPU)");
            return TensorRtNetworkBuilder.build(plan, weights, o, logger);
        });
        switch (r) {
            case PlanCache.Resolution.Cached c -> log.println("plan " + plan.name() + ": cached " + c.file());
            case PlanCache.Resolution.Built b -> log.println("plan " + plan.name() + ": built in " + b.millis() + " ms -> " + b.file());
        }
        return new PlanRunner(plan, Files.readAllBytes(r.file()), logger, contexts);
    }
}
