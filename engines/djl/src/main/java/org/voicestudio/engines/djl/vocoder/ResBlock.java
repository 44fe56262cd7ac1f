package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * HiFT's causal {@code ResBlock}: for each dilation d, x += conv2(snake2(conv1_d(snake1(x)))), both
 * convolutions left-causal (conv1 dilated by d, conv2 not).
 */
final class ResBlock {
    record Layer(Snake activation1, CausalConv1d conv1, Snake activation2, CausalConv1d conv2) {}

    private final List<Layer> layers;

    ResBlock(List<Layer> layers) { this.layers = List.copyOf(layers); }

    /** [B, C, T] -> [B, C, T]. */
    NDArray forward(NDArray x) {
        for (Layer l : layers) {
            NDArray xt = l.activation1().forward(x);
            xt = l.conv1().forward(xt);
            xt = l.activation2().forward(xt);
            xt = l.conv2().forward(xt);
            x = xt.add(x);
        }
        return x;
    }
}
