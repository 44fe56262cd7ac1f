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
        long rows = v.dim(0);
        if (g.numel() != rows) throw new IllegalArgumentException("weight-norm gain " + g + " does not match direction " + v);
        float[] gv = g.toFloats();
        float[] w = v.toFloats();
        int per = (int) (w.length / rows);
        for (int r = 0; r < rows; r++) {
            double sq = 0;
            for (int i = 0; i < per; i++) { double x = w[r * per + i]; sq += x * x; }
            float scale = (float) (gv[r] / Math.sqrt(sq));
            for (int i = 0; i < per; i++) w[r * per + i] *= scale;
        }
        return Tensor.ofFloats(w, v.shape());
    }
}
