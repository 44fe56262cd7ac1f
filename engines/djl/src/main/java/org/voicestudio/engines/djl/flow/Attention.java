package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/**
 * The DiT self-attention ({@code Attention} + {@code AttnProcessor}, reference §4.3): q/k/v projections with
 * bias, RoPE on head 0 of q and k (before the head split), scaled dot-product attention under the
 * boolean mask (given here as an additive 0 / -inf bias), the output projection, and output rows of
 * invalid frames zeroed.
 */
final class Attention {
    private final int heads, dimHead;
    private final NDArray qWeight, qBias, kWeight, kBias, vWeight, vBias;   // [inner, dim]
    private final NDArray outWeight, outBias;                               // [dim, inner]

    Attention(DjlWeights w, String prefix, FlowConfig c) {
        heads = c.ditHeads();
        dimHead = c.ditDimHead();
        int dim = c.ditDim(), inner = c.ditInnerDim();
        qWeight = Nn.param(w, prefix + "to_q.weight", inner, dim);
        qBias = Nn.param(w, prefix + "to_q.bias", inner);
        kWeight = Nn.param(w, prefix + "to_k.weight", inner, dim);
        kBias = Nn.param(w, prefix + "to_k.bias", inner);
        vWeight = Nn.param(w, prefix + "to_v.weight", inner, dim);
        vBias = Nn.param(w, prefix + "to_v.bias", inner);
        outWeight = Nn.param(w, prefix + "to_out.0.weight", dim, inner);
        outBias = Nn.param(w, prefix + "to_out.0.bias", dim);
    }

    /**
     * @param x        [B, T, dim]
     * @param bias     [B, 1, T, T] 0 where attention is allowed, -inf elsewhere; null for full attention
     * @param keepRows [B, T, 1] 1 for valid frames, 0 for rows to zero; null when all frames are valid
     * @return [B, T, dim]
     */
    NDArray forward(NDArray x, NDArray bias, NDArray keepRows, RotaryEmbedding rope, RotaryEmbedding.Frequencies freqs) {
        long b = x.getShape().get(0), t = x.getShape().get(1);
        NDArray q = rope.apply(Nn.linear(x, qWeight, qBias), freqs);   // [B, T, inner]
        NDArray k = rope.apply(Nn.linear(x, kWeight, kBias), freqs);   // [B, T, inner]
        NDArray v = Nn.linear(x, vWeight, vBias);                      // [B, T, inner]
        q = q.reshape(b, t, heads, dimHead).transpose(0, 2, 1, 3);    // [B, H, T, D]
        k = k.reshape(b, t, heads, dimHead).transpose(0, 2, 1, 3);
        v = v.reshape(b, t, heads, dimHead).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul((float) (1.0 / Math.sqrt(dimHead)));   // [B, H, T, T]
        if (bias != null) scores = scores.add(bias);
        NDArray o = scores.softmax(3).matMul(v);                       // [B, H, T, D]
        o = o.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * dimHead);   // [B, T, inner]
        NDArray out = Nn.linear(o, outWeight, outBias);                // [B, T, dim]
        return keepRows == null ? out : out.mul(keepRows);
    }
}
