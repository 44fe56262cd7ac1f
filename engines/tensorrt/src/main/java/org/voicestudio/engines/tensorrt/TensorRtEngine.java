package org.voicestudio.engines.tensorrt;

import org.voicestudio.engines.tensorrt.cache.BuildOptions;
import org.voicestudio.engines.tensorrt.cache.PlanCache;
import org.voicestudio.engines.tensorrt.plan.PrecisionMode;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.loading.ModelFolder;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * TensorRT for the flow estimator (the DiT), built from our own weights with the network-definition API; plans
 * cached per GPU, TensorRT version, weights and options. Settings (system properties, read at load time):
 * {@code voicestudio.tensorrt.precision} fp16 (default, strongly typed mix) | bf16 | fp32;
 * {@code voicestudio.tensorrt.contexts} execution contexts per plan (default 2, concurrent requests);
 * cache folder {@code $VOICESTUDIO_TRT_CACHE} or {@code ~/.cache/voicestudio/tensorrt}.
 *
 * <p>Availability is real: the native TensorRT library is loaded; where it is missing (every machine of this
 * project) the engine is unavailable with the reason. {@code loadFlow} has NOT been run (see README).
 */
public final class TensorRtEngine implements Engine {
    private volatile Availability availability;

    @Override public String id() { return "tensorrt"; }

    @Override public String displayName() { return "TensorRT"; }

    @Override public Set<Stage> stages() { return EnumSet.of(Stage.FLOW); }

    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) availability = a = TensorRtLibrary.probe();
        return a;
    }

    @Override
    public FlowModel loadFlow(ModelFolder model) throws IOException {
        Availability a = availability();
        if (!a.available()) throw new IOException(a.reason());
        BuildOptions d = BuildOptions.defaults();
        BuildOptions options = new BuildOptions(PrecisionMode.parse(System.getProperty("voicestudio.tensorrt.precision", "fp16")),
                d.maskMode(), d.profile(), d.workspaceBytes(), d.optimizationLevel(), d.tf32());
        int contexts = Integer.getInteger("voicestudio.tensorrt.contexts", 2);
        if (contexts < 1) throw new IllegalArgumentException("voicestudio.tensorrt.contexts must be at least 1, got " + contexts);
        return TensorRtFlowModel.open(model, options, PlanCache.defaultLocation(), contexts, System.err);
    }
}
