package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.HiftDecoder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code CausalHiFTGenerator.decode} up to {@code conv_post} (reference §5), float32:
 * <pre>
 * x = conv_pre(mel)                                  k5, 4 frames of look-ahead
 * for i in 0..2:
 *     x = ups[i](leaky_relu(x, 0.1))                 nearest x8 / x5 / x3, then left-causal conv
 *     if last: x = ReflectionPad1d((1, 0))(x)        120T -> 120T + 1 frames
 *     x = x + source_resblocks[i](source_downs[i](s_stft))
 *     x = mean_j resblocks[3i + j](x)
 * conv_post(leaky_relu(x, 0.01))                     k7 left-causal -> [18, 120T + 1]
 * </pre>
 */
final class CausalHiftDecoder implements HiftDecoder {
    private static final float FINAL_LRELU_SLOPE = 0.01f;   // F.leaky_relu default

    private final NDManager manager;
    private final HiftConfig config;
    private final CausalConv1d convPre;
    private final List<CausalConv1dUpsample> ups = new ArrayList<>();
    private final List<UnaryOperator<NDArray>> sourceDowns = new ArrayList<>();   // CausalConv1dDownSample, or a k1 CausalConv1d at full rate
    private final List<ResBlock> sourceResblocks = new ArrayList<>();
    private final List<ResBlock> resblocks = new ArrayList<>();
    private final CausalConv1d convPost;

    /** @param hift {@code hift.pt} with weight norms fused ({@code ModelFolder.hiftWeights()}) */
    CausalHiftDecoder(StateDict hift, HiftConfig config, NDManager parent) {
        this.manager = parent.newSubManager();
        this.config = config;
        DjlWeights w = new DjlWeights(hift, manager);
        int base = config.baseChannels();
        int sourceChannels = config.istftNFft() + 2;                // 18: real and imaginary bins
        this.convPre = new CausalConv1d(
                w.f32("conv_pre.weight", base, config.inChannels(), config.convPreLookRight() + 1),
                w.f32("conv_pre.bias", base), 1, CausalConv1d.Side.RIGHT);
        int[] rates = config.upsampleRates();
        int n = rates.length;
        for (int i = 0; i < n; i++) {
            int in = base >> i, out = base >> (i + 1), k = config.upsampleKernelSizes()[i];
            ups.add(new CausalConv1dUpsample(w.f32("ups." + i + ".weight", out, in, k), w.f32("ups." + i + ".bias", out), rates[i]));
        }
        // downsample_cum_rates[::-1]: stage i sees the STFT frame rate divided by prod(rates[i+1:])
        for (int i = 0; i < n; i++) {
            int u = 1;
            for (int j = i + 1; j < n; j++) u *= rates[j];
            int out = base >> (i + 1);
            String p = "source_downs." + i + ".";
            if (u == 1) {
                sourceDowns.add(new CausalConv1d(w.f32(p + "weight", out, sourceChannels, 1), w.f32(p + "bias", out), 1, CausalConv1d.Side.LEFT)::forward);
            } else {
                sourceDowns.add(new CausalConv1dDownSample(w.f32(p + "weight", out, sourceChannels, 2 * u), w.f32(p + "bias", out), u)::forward);
            }
            sourceResblocks.add(resBlock(w, "source_resblocks." + i + ".", out,
                    config.sourceResblockKernelSizes()[i], config.sourceResblockDilationSizes()[i]));
        }
        int kernels = config.resblockKernelSizes().length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < kernels; j++) {
                resblocks.add(resBlock(w, "resblocks." + (i * kernels + j) + ".", base >> (i + 1),
                        config.resblockKernelSizes()[j], config.resblockDilationSizes()[j]));
            }
        }
        int last = base >> n;
        this.convPost = new CausalConv1d(w.f32("conv_post.weight", sourceChannels, last, 7), w.f32("conv_post.bias", sourceChannels), 1, CausalConv1d.Side.LEFT);
    }

    private ResBlock resBlock(DjlWeights w, String p, int channels, int k, int[] dilations) {
        List<ResBlock.Layer> layers = new ArrayList<>();
        for (int j = 0; j < dilations.length; j++) {
            layers.add(new ResBlock.Layer(
                    new Snake(w.dict().get(p + "activations1." + j + ".alpha", channels).toFloats(), manager),
                    new CausalConv1d(w.f32(p + "convs1." + j + ".weight", channels, channels, k), w.f32(p + "convs1." + j + ".bias", channels), dilations[j], CausalConv1d.Side.LEFT),
                    new Snake(w.dict().get(p + "activations2." + j + ".alpha", channels).toFloats(), manager),
                    new CausalConv1d(w.f32(p + "convs2." + j + ".weight", channels, channels, k), w.f32(p + "convs2." + j + ".bias", channels), 1, CausalConv1d.Side.LEFT)));
        }
        return new ResBlock(layers);
    }

    @Override
    public float[] forward(Mel mel, float[] sourceStft, int stftFrames, boolean finalize) {
        if (mel.channels() != config.inChannels()) throw new IllegalArgumentException("HiFT decoder needs " + config.inChannels() + " mel channels, got " + mel.channels());
        int sourceChannels = config.istftNFft() + 2;
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(mel.data(), new Shape(1, mel.channels(), mel.frames()));          // [1, 80, T]
            NDArray s = scope.create(sourceStft, new Shape(1, sourceChannels, stftFrames));           // [1, 18, 120T' + 1]
            x = finalize ? convPre.forward(x) : convPre.forwardWithLookahead(x);                      // [1, base, T'] (T' = T or T - 4)
            int n = ups.size();
            int kernels = config.resblockKernelSizes().length;
            for (int i = 0; i < n; i++) {
                x = Activation.leakyRelu(x, (float) config.lreluSlope());
                x = ups.get(i).forward(x);                                                           // [1, base / 2^(i+1), T' * prod(rates[:i+1])]
                if (i == n - 1) x = x.get(":, :, 1:2").concat(x, 2);                                  // ReflectionPad1d((1, 0)): [.., 120T' + 1]
                NDArray si = sourceDowns.get(i).apply(s);                                             // [1, C_i, same frames as x]
                x = x.add(sourceResblocks.get(i).forward(si));
                NDArray xs = resblocks.get(i * kernels).forward(x);
                for (int j = 1; j < kernels; j++) xs = xs.add(resblocks.get(i * kernels + j).forward(x));
                x = xs.div(kernels);
            }
            x = Activation.leakyRelu(x, FINAL_LRELU_SLOPE);
            x = convPost.forward(x);                                                                  // [1, 18, 120T' + 1]
            if (x.getShape().get(2) != stftFrames) {
                throw new IllegalStateException("decoder produced " + x.getShape().get(2) + " frames, the source STFT has " + stftFrames);
            }
            return x.toFloatArray();
        }
    }

    @Override
    public void close() { manager.close(); }
}
