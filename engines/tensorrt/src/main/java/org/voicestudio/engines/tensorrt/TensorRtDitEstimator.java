package org.voicestudio.engines.tensorrt;

import org.voicestudio.engines.tensorrt.plan.DitPlan;
import org.voicestudio.engines.tensorrt.plan.MaskMode;
import org.voicestudio.inference.flow.FlowAttentionMask;
import org.voicestudio.inference.flow.FlowEstimator;

import java.util.HashMap;
import java.util.Map;

/**
 * The DiT estimator on TensorRT: {@link FlowEstimator#velocity} through the engine of the request's mask
 * (full or streaming plan when baked; one plan fed a host-computed bias otherwise).
 *
 * <p>NOT RUN: no machine of this project has TensorRT (see README).
 */
public final class TensorRtDitEstimator implements FlowEstimator, AutoCloseable {
    private final PlanRunner full, streaming;   // the same runner twice when the mask is an input
    private final int melChannels, chunk;

    TensorRtDitEstimator(PlanRunner full, PlanRunner streaming, int melChannels, int chunk) {
        this.full = full;
        this.streaming = streaming;
        this.melChannels = melChannels;
        this.chunk = chunk;
    }

    @Override
    public float[] velocity(Input in) {
        if (in.melChannels() != melChannels) {
            throw new IllegalArgumentException("estimator input has " + in.melChannels() + " mel channels, the engine was built for " + melChannels);
        }
        PlanRunner r = in.streaming() ? streaming : full;
        Map<String, float[]> inputs = new HashMap<>();
        inputs.put("x", in.x());
        inputs.put("mask", in.mask());
        inputs.put("mu", in.mu());
        inputs.put("t", in.t());
        inputs.put("spks", in.spks());
        inputs.put("cond", in.cond());
        if (r.plan().inputs().stream().anyMatch(t -> t.name().equals(DitPlan.ATTN_BIAS))) {
            inputs.put(DitPlan.ATTN_BIAS, attentionBias(in, chunk));
        }
        return r.run(in.frames(), inputs).get(DitPlan.OUTPUT);
    }

    /** {@link MaskMode#INPUT}: the additive bias (2, 1, T, T) the baked plans compute in-graph. */
    public static float[] attentionBias(Input in, int chunk) {
        boolean[] allowed = FlowAttentionMask.build(in.mask(), Input.BATCH, in.frames(), in.streaming(), chunk);
        float[] bias = new float[allowed.length];
        for (int i = 0; i < allowed.length; i++) bias[i] = allowed[i] ? 0f : TensorRtNetworkBuilder.MASKED;
        return bias;
    }

    @Override
    public void close() {
        try (full) {
            if (streaming != full) streaming.close();
        }
    }
}
