package org.voicestudio.inference.loading;

import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuses PyTorch weight-norm parametrizations: {@code X.parametrizations.weight.original0} = g
 * (shape [d0, 1, ...]) and {@code original1} = v become {@code X.weight} = g * v / ||v||, the norm
 * taken over every dimension but the first (torch's {@code weight_norm(dim=0)}; for a
 * ConvTranspose1d the first dimension is the input channels).
 */
public final class WeightNorm {
    private static final String G = ".parametrizations.weight.original0";
    private static final String V = ".parametrizations.weight.original1";

    private WeightNorm() {}

    public static StateDict fuse(StateDict dict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String key : dict.keys()) {
            if (key.endsWith(V)) continue;
            if (key.endsWith(G)) {
                String base = key.substring(0, key.length() - G.length());
                out.put(base + ".weight", fuse(dict.get(key), dict.get(base + V)));
            } else {
                out.put(key, dict.get(key));
            }
        }
        return dict.withTensors(out);
    }

    static Tensor fuse(Tensor g, Tensor v) {
        double[] w = fuse64(g, v);
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) out[i] = (float) w[i];
        return Tensor.ofFloats(out, v.shape());
    }

    /**
     * {@code torch._weight_norm(v, g, 0)} in float64: {@code v * (g / ||v||)}, the norm over every
     * dimension but the first. The F0 predictor, which CosyVoice3 runs in float64, uses it directly.
     */
    public static double[] fuse64(Tensor g, Tensor v) {
        long rows = v.dim(0);
        if (g.numel() != rows) throw new IllegalArgumentException("weight-norm gain " + g + " does not match direction " + v);
        double[] gv = g.toDoubles();
        double[] w = v.toDoubles();
        int per = (int) (w.length / rows);
        for (int r = 0; r < rows; r++) {
            double sq = 0;
            for (int i = 0; i < per; i++) sq += w[r * per + i] * w[r * per + i];
            double scale = gv[r] / Math.sqrt(sq);
            for (int i = 0; i < per; i++) w[r * per + i] *= scale;
        }
        return w;
    }
}
