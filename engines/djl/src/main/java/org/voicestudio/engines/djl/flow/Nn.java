package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import org.voicestudio.engines.djl.DjlWeights;

/**
 * The PyTorch functional ops the flow uses, on DJL. Every op is called on the activation (never on a
 * weight), so results belong to the per-call manager of the activation and are freed with it.
 */
final class Nn {
    private Nn() {}

    /** A checkpoint tensor copied into torch memory owned by {@code w.manager()}, shape-checked. */
    static NDArray param(DjlWeights w, String key, long... shape) {
        try (NDArray view = w.f32(key, shape)) {
            NDArray owned = view.duplicate();   // independent of the checkpoint mapping
            owned.attach(w.manager());
            return owned;
        }
    }

    /** {@code F.linear}: x (..., in) @ weight (out, in)^T + bias. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /** {@code F.conv1d} with stride 1, no padding: x (B, in, L) -> (B, out, L - k + 1). */
    static NDArray conv1d(NDArray x, NDArray weight, NDArray bias, int groups) {
        return Conv1d.conv1d(x, weight, bias, new Shape(1), new Shape(0), new Shape(1), groups).singletonOrThrow();
    }

    /** Zeros on the left and right of the last axis ({@code F.pad(x, (left, right))}). */
    static NDArray padLast(NDArray x, int left, int right) {
        return x.pad(new Shape(left, right), 0);
    }

    /** {@code nn.LayerNorm(dim, elementwise_affine=False, eps)} over the last axis. */
    static NDArray layerNorm(NDArray x, NDArray ones, NDArray zeros, float eps) {
        return LayerNorm.layerNorm(x, new Shape(x.getShape().getShape()[x.getShape().dimension() - 1]), ones, zeros, eps).singletonOrThrow();
    }

    /** {@code F.silu}: x * sigmoid(x). */
    static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** {@code nn.Mish}: x * tanh(softplus(x)), softplus with PyTorch's threshold 20. */
    static NDArray mish(NDArray x) {
        return x.mul(Activation.softPlus(x).tanh());
    }

    /** {@code nn.GELU(approximate="tanh")}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    static NDArray geluTanh(NDArray x) {
        final float kBeta = (float) (Math.sqrt(2.0) * (2.0 / Math.sqrt(Math.PI)) * 0.5);
        final float kKappa = 0.044715f;
        NDArray cube = x.mul(x).mul(x);
        NDArray inner = x.add(cube.mul(kKappa)).mul(kBeta);
        return x.mul(0.5f).mul(inner.tanh().add(1f));
    }

    /** Ones and zeros of length {@code n} for affine-free layer norms, owned by {@code manager}. */
    static NDArray ones(NDManager manager, long n) { return manager.ones(new Shape(n)); }

    static NDArray zeros(NDManager manager, long n) { return manager.zeros(new Shape(n)); }
}
