package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;

/**
 * CosyVoice's {@code CausalConv1d} (cosyvoice/transformer/convolution.py): a stride-1 Conv1d
 * with {@code causal_padding = floor((k - 1) d / 2) * 2 + (k + 1) % 2} zeros on the left, or on the
 * right for a look-ahead convolution. The dtype of the weights decides the precision.
 */
final class CausalConv1d {
    enum Side { LEFT, RIGHT }

    private final NDArray weight;   // [out, in, k]
    private final NDArray bias;     // [out]
    private final int dilation;
    private final int causalPadding;
    private final Side side;

    CausalConv1d(NDArray weight, NDArray bias, int dilation, Side side) {
        this.weight = weight;
        this.bias = bias;
        this.dilation = dilation;
        this.side = side;
        int k = (int) weight.getShape().get(2);
        this.causalPadding = (k - 1) * dilation / 2 * 2 + (k + 1) % 2;
    }

    int causalPadding() { return causalPadding; }

    /** Zero padding on the causal side: [B, in, T] -> [B, out, T]. */
    NDArray forward(NDArray x) {
        Shape pad = side == Side.LEFT ? new Shape(causalPadding, 0) : new Shape(0, causalPadding);
        return conv(x.pad(pad, 0));
    }

    /**
     * A right-padded convolution whose look-ahead frames are real input (the official
     * {@code conv(x[..., :-p], cache=x[..., -p:])} of a non-final call): [B, in, T] -> [B, out, T - p].
     */
    NDArray forwardWithLookahead(NDArray x) {
        if (side != Side.RIGHT) throw new IllegalStateException("only a right-padded convolution has look-ahead");
        return conv(x);
    }

    private NDArray conv(NDArray x) {
        return Conv1d.conv1d(x, weight, bias, new Shape(1), new Shape(0), new Shape(dilation), 1).singletonOrThrow();
    }
}
