package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.voicestudio.inference.loading.WeightNorm;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.vocoder.F0Predictor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code CausalConvRNNF0Predictor} (reference §5) in float64, as the official inference casts it:
 * condnet = conv k4 with 3 frames of look-ahead, then 4 left-causal convs k3, each followed by
 * ELU; then {@code classifier} Linear(cond_channels, 1) and abs.
 *
 * <p>Reads the raw weight-norm parametrizations ({@code original0} = g, {@code original1} = v)
 * and fuses them in float64 ({@code v * (g / ||v||)}, norm over all dims but 0) like the float64
 * module does at each call: a float32 fusion would already cost ~1e-7 relative in F0.
 */
final class CausalConvRnnF0Predictor implements F0Predictor {
    private static final String PREFIX = "f0_predictor.";
    private static final int CONDNET_LAYERS = 5;          // condnet.0, .2, .4, .6, .8 (odd indices are ELU)
    private static final float ELU_ALPHA = 1f;

    private final NDManager manager;
    private final int inChannels;
    private final List<CausalConv1d> condnet = new ArrayList<>();
    private final NDArray classifierWeightT;  // [cond, 1]
    private final NDArray classifierBias;     // [1]

    /** @param hift the un-fused {@code hift.pt} (only the {@code f0_predictor.*} entries are read) */
    CausalConvRnnF0Predictor(StateDict hift, int inChannels, int condChannels, NDManager parent) {
        this.manager = parent.newSubManager();
        this.inChannels = inChannels;
        for (int i = 0; i < CONDNET_LAYERS; i++) {
            String p = PREFIX + "condnet." + (2 * i) + ".";
            int in = i == 0 ? inChannels : condChannels;
            int k = i == 0 ? LOOK_RIGHT + 1 : 3;
            Tensor g = hift.get(p + "parametrizations.weight.original0", condChannels, 1, 1);
            Tensor v = hift.get(p + "parametrizations.weight.original1", condChannels, in, k);
            NDArray w = manager.create(WeightNorm.fuse64(g, v), new Shape(condChannels, in, k));
            NDArray b = manager.create(hift.get(p + "bias", condChannels).toDoubles());
            condnet.add(new CausalConv1d(w, b, 1, i == 0 ? CausalConv1d.Side.RIGHT : CausalConv1d.Side.LEFT));
        }
        this.classifierWeightT = manager.create(hift.get(PREFIX + "classifier.weight", 1, condChannels).toDoubles(), new Shape(condChannels, 1));
        this.classifierBias = manager.create(hift.get(PREFIX + "classifier.bias", 1).toDoubles());
    }


    @Override
    public double[] forward(Mel mel, boolean finalize) {
        if (mel.channels() != inChannels) throw new IllegalArgumentException("F0 predictor needs " + inChannels + " mel channels, got " + mel.channels());
        try (NDManager scope = manager.newSubManager()) {
            double[] data = new double[mel.data().length];
            for (int i = 0; i < data.length; i++) data[i] = mel.data()[i];
            NDArray x = scope.create(data, new Shape(1, mel.channels(), mel.frames()));   // [1, 80, T] float64
            x = finalize ? condnet.getFirst().forward(x) : condnet.getFirst().forwardWithLookahead(x); // [1, C, T'] (T' = T or T - 3)
            x = Activation.elu(x, ELU_ALPHA);
            for (int i = 1; i < CONDNET_LAYERS; i++) x = Activation.elu(condnet.get(i).forward(x), ELU_ALPHA);
            NDArray h = x.transpose(0, 2, 1);                                               // [1, T', C]
            NDArray f0 = h.matMul(classifierWeightT).add(classifierBias).abs(); // [1, T', 1]
            return f0.toDoubleArray();
        }
    }

    @Override
    public void close() { manager.close(); }
}
