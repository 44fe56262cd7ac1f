package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDArray;

/** Qwen2RMSNorm: {@code weight * x / sqrt(mean(x^2, -1) + eps)}, in float32. */
final class RmsNorm {
    private final NDArray weight; // [H]
    private final float eps;

    RmsNorm(NDArray weight, double eps) {
        this.weight = weight;
        this.eps = (float) eps;
    }

    /** x [.., H] -> [.., H]; results live in x's manager. */
    NDArray forward(NDArray x) {
        NDArray variance = x.square().mean(new int[] {-1}, true); // [.., 1]
        return x.div(variance.add(eps).sqrt()).mul(weight);
    }
}
