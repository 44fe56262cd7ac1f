package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/** Qwen2MLP (SwiGLU): {@code down_proj(silu(gate_proj(x)) * up_proj(x))}, no biases. */
final class Qwen2Mlp {
    private final NDArray gateWeight, upWeight, downWeight;

    Qwen2Mlp(NDArray gateWeight, NDArray upWeight, NDArray downWeight) {
        this.gateWeight = gateWeight;
        this.upWeight = upWeight;
        this.downWeight = downWeight;
    }

    /** x [1, T, H] -> [1, T, H] */
    NDArray forward(NDArray x) {
        NDArray gate = Activation.swish(Linear.linear(x, gateWeight).singletonOrThrow(), 1f); // silu, [1, T, I]
        NDArray up = Linear.linear(x, upWeight).singletonOrThrow();                           // [1, T, I]
        return Linear.linear(gate.mul(up), downWeight).singletonOrThrow();
    }
}
