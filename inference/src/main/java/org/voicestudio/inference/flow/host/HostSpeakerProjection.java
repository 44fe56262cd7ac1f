package org.voicestudio.inference.flow.host;

import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/**
 * {@code spk_embed_affine_layer(F.normalize(xvec, dim=1))} (reference §4.1): the 192-d x-vector to the 80-d
 * {@code spks}, on the host (one 80 x 192 matrix-vector product per request).
 */
final class HostSpeakerProjection {
    private static final double NORMALIZE_EPS = 1e-12;   // F.normalize default
    private final int out, in;
    private final float[] weight;   // [output_size, spk_embed_dim]
    private final float[] bias;     // [output_size]

    HostSpeakerProjection(HostWeights w, FlowConfig c) {
        out = c.outputSize();
        in = c.spkEmbedDim();
        weight = w.get("spk_embed_affine_layer.weight", out, in);
        bias = w.get("spk_embed_affine_layer.bias", out);
    }

    /** xvec [192] -> spks [80]. */
    float[] forward(float[] xvec) {
        double sq = 0;
        for (float v : xvec) sq += (double) v * v;
        float norm = (float) Math.max(Math.sqrt(sq), NORMALIZE_EPS);
        float[] unit = new float[in];                                            // [192]
        for (int j = 0; j < in; j++) unit[j] = xvec[j] / norm;
        float[] spks = new float[out];                                           // [80]
        for (int o = 0; o < out; o++) spks[o] = bias[o] + HostMath.dot(weight, o * in, unit, 0, in);
        return spks;
    }
}
