package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;

/** {@code CausalConv1dDownSample}: stride - 1 zeros on the left, then a strided Conv1d (kernel 2 * stride). */
final class CausalConv1dDownSample {
    private final NDArray weight;   // [out, in, k]
    private final NDArray bias;     // [out]
    private final int stride;

    CausalConv1dDownSample(NDArray weight, NDArray bias, int stride) {
        this.weight = weight;
        this.bias = bias;
        this.stride = stride;
    }

    /** [B, in, T] -> [B, out, floor((T - 1) / stride) - 1 + ...] (8T or 40T frames for HiFT's STFT of 120T + 1). */
    NDArray forward(NDArray x) {
        NDArray padded = x.pad(new Shape(stride - 1, 0), 0);
        return Conv1d.conv1d(padded, weight, bias, new Shape(stride), new Shape(0), new Shape(1), 1).singletonOrThrow();
    }
}
