package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;

/** {@code CausalConv1dUpsample}: nearest up-sampling by the rate, then a Conv1d with k - 1 zeros on the left. */
final class CausalConv1dUpsample {
    private final NDArray weight;   // [out, in, k]
    private final NDArray bias;     // [out]
    private final int rate;

    CausalConv1dUpsample(NDArray weight, NDArray bias, int rate) {
        this.weight = weight;
        this.bias = bias;
        this.rate = rate;
    }

    /** [B, in, T] -> [B, out, T * rate]. */
    NDArray forward(NDArray x) {
        int k = (int) weight.getShape().get(2);
        NDArray up = x.repeat(2, rate);                                  // nearest: each frame repeated rate times
        NDArray padded = up.pad(new Shape(k - 1, 0), 0);
        return Conv1d.conv1d(padded, weight, bias, new Shape(1), new Shape(0), new Shape(1), 1).singletonOrThrow();
    }
}
