package org.voicestudio.engines.tensorrt.plan;

import org.voicestudio.inference.config.ModelConfig.HiftConfig;

import java.util.List;

import static org.voicestudio.engines.tensorrt.plan.Precision.FP32;

/**
 * The layer plan of {@code CausalHiFTGenerator.decode} up to {@code conv_post} (reference §5, the
 * {@code HiftDecoder} contract): inputs {@code mel} (1, 80, T + 4), whose last 4 frames are conv_pre's
 * look-ahead (zeros on the final call), and {@code s_stft} (1, 18, 120T + 1); output {@code conv_post}
 * (1, 18, 120T + 1). T is the number of decoded mel frames. F0, the sine source, the STFT and the iSTFT stay on
 * the host ({@code CausalHift}).
 *
 * <p>Always fp32, in every precision mode, and built with TF32 disabled: the decoder turns F0-driven source
 * harmonics into phases that the iSTFT integrates sample by sample; a port found intermediates near 2·10⁴,
 * beyond fp16's precision, and the official code even moves F0 to float64 (reference §5). The convolutions are
 * cheap next to the DiT (about 1 % of the flow's FLOPs), so nothing is gained by risking the audio.
 */
public final class HiftDecoderPlan {
    public static final String MEL = "mel", SOURCE_STFT = "s_stft", OUTPUT = "conv_post";
    /** ReflectionPad1d((1, 0)) after the last upsampling. */
    static final int REFLECT_PAD = 1;
    /** F.leaky_relu default slope after the last stage. */
    static final double FINAL_LRELU_SLOPE = 0.01;
    static final int CONV_POST_KERNEL = 7;
    static final String WHY = "HiFT stays fp32: F0/phase precision (reference §5)";

    private HiftDecoderPlan() {}

    public static String name() { return "hift-decoder-fp32"; }

    public static LayerPlan of(HiftConfig c, FrameProfile profile) {
        PlanWriter w = new PlanWriter();
        int stft = c.istftNFft() + 2, base = c.baseChannels(), look = c.convPreLookRight();
        int n = c.upsampleRates().length;
        long up = 1;
        for (int r : c.upsampleRates()) up *= r;

        String mel = w.input(MEL, SymShape.of(1, c.inChannels(), new Dim.Frames(1, look)), FP32);            // [1, 80, T+4]
        String src = w.input(SOURCE_STFT, SymShape.of(1, stft, new Dim.Frames(up, 1)), FP32);               // [1, 18, 120T+1]

        // conv_pre: k = look + 1 with the look-ahead frames supplied by the caller -> no padding
        String x = w.conv1d("conv_pre", mel, "conv_pre", c.inChannels(), base, look + 1, 1, 1, 1, 0, 0, FP32, WHY); // [1, 512, T]
        for (int i = 0; i < n; i++) {
            int in = base >> i, out = base >> (i + 1), u = c.upsampleRates()[i], k = c.upsampleKernelSizes()[i];
            x = w.act("ups." + i + ".lrelu", x, Op.Activation.LEAKY_RELU, c.lreluSlope(), FP32);
            SymShape s = w.shape(x);
            Dim.Frames len = (Dim.Frames) s.dim(2);
            x = w.add("ups." + i + ".nearest", new Op.UpsampleNearest(u), List.of(x),
                    s.with(2, new Dim.Frames(len.scale() * u, len.offset() * u)), FP32, WHY);
            x = w.conv1d("ups." + i, x, "ups." + i, in, out, k, 1, 1, 1, k - 1, 0, FP32, WHY);        // [1, out, T·prod(u[:i+1])]
            if (i == n - 1) {
                Dim.Frames l = (Dim.Frames) w.shape(x).dim(2);
                x = w.add("reflection_pad", new Op.ReflectPadLeft(REFLECT_PAD), List.of(x),
                        w.shape(x).with(2, new Dim.Frames(l.scale(), l.offset() + REFLECT_PAD)), FP32, WHY); // [1, 64, 120T+1]
            }
            // source_downs[i]: CausalConv1dDownSample(k = 2u', stride u', left pad u'-1), or a k1 conv at full rate
            long rest = 1;
            for (int j = i + 1; j < n; j++) rest *= c.upsampleRates()[j];
            String si = i + 1 < n
                    ? w.conv1d("source_downs." + i, src, "source_downs." + i, stft, out, (int) (2 * rest), 1, (int) rest, 1, (int) rest - 1, 0, FP32, WHY)
                    : w.conv1d("source_downs." + i, src, "source_downs." + i, stft, out, 1, 1, 1, 1, 0, 0, FP32, WHY);
            si = resBlock(w, "source_resblocks." + i, si, out, c.sourceResblockKernelSizes()[i], c.sourceResblockDilationSizes()[i]);
            x = w.eltwise("stage" + i + ".source", Op.Binary.ADD, x, si, FP32, WHY);
            int kinds = c.resblockKernelSizes().length;
            String sum = null;
            for (int j = 0; j < kinds; j++) {
                int r = i * kinds + j;
                String rb = resBlock(w, "resblocks." + r, x, out, c.resblockKernelSizes()[j], c.resblockDilationSizes()[j]);
                sum = sum == null ? rb : w.eltwise("stage" + i + ".sum" + j, Op.Binary.ADD, sum, rb, FP32, WHY);
            }
            x = w.affine("stage" + i + ".mean", sum, 1.0 / kinds, 0, FP32, WHY);
        }
        x = w.act("post.lrelu", x, Op.Activation.LEAKY_RELU, FINAL_LRELU_SLOPE, FP32);
        w.conv1d(OUTPUT, x, "conv_post", base >> n, stft, CONV_POST_KERNEL, 1, 1, 1, CONV_POST_KERNEL - 1, 0, FP32, WHY); // [1, 18, 120T+1]
        return w.build(name(), PrecisionMode.FP32, profile, List.of(OUTPUT));
    }

    /** Causal ResBlock: x += conv2(snake2(conv1_d(snake1(x)))) for each dilation d. */
    private static String resBlock(PlanWriter w, String p, String x, int ch, int kernel, int[] dilations) {
        for (int j = 0; j < dilations.length; j++) {
            int d = dilations[j];
            String xt = w.add(p + ".activations1." + j, new Op.Snake(p + ".activations1." + j + ".alpha", ch), List.of(x), w.shape(x), FP32, WHY);
            xt = w.conv1d(p + ".convs1." + j, xt, p + ".convs1." + j, ch, ch, kernel, 1, 1, d, causalPadding(kernel, d), 0, FP32, WHY);
            xt = w.add(p + ".activations2." + j, new Op.Snake(p + ".activations2." + j + ".alpha", ch), List.of(xt), w.shape(xt), FP32, WHY);
            xt = w.conv1d(p + ".convs2." + j, xt, p + ".convs2." + j, ch, ch, kernel, 1, 1, 1, causalPadding(kernel, 1), 0, FP32, WHY);
            x = w.eltwise(p + ".residual" + j, Op.Binary.ADD, xt, x, FP32, WHY);
        }
        return x;
    }

    /** {@code CausalConv1d.causal_padding = floor((k-1)·d/2)·2 + (k+1) % 2}. */
    static int causalPadding(int kernel, int dilation) {
        return (kernel - 1) * dilation / 2 * 2 + (kernel + 1) % 2;
    }
}
