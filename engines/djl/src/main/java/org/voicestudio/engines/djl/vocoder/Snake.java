package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Snake activation (cosyvoice/transformer/activation.py, linear alpha): x + 1 / (α + 1e-9) · sin²(αx), α per channel. */
final class Snake {
    private static final float NO_DIV_BY_ZERO = 1e-9f;
    private final NDArray alpha;        // [1, C, 1]
    private final NDArray invAlpha;     // [1, C, 1] = 1 / (alpha + 1e-9) in float32

    Snake(float[] alpha, NDManager manager) {
        float[] inv = new float[alpha.length];
        for (int c = 0; c < alpha.length; c++) inv[c] = 1f / (alpha[c] + NO_DIV_BY_ZERO);
        this.alpha = manager.create(alpha, new Shape(1, alpha.length, 1));
        this.invAlpha = manager.create(inv, new Shape(1, alpha.length, 1));
    }

    /** [B, C, T] -> [B, C, T]. */
    NDArray forward(NDArray x) {
        NDArray s = x.mul(alpha).sin();                  // results stay in x's (per-call) manager
        return x.add(s.mul(s).mul(invAlpha));
    }
}
