package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.tensor.StateDict;

import java.util.ArrayList;
import java.util.List;

/**
 * The HiFT decoder ({@code CausalHiFTGenerator.decode} up to {@code conv_post}, reference §5) as a sequence
 * of a few primitive operations over channel-major [C, T] float32 buffers, independent of where they run:
 * <pre>
 * x = conv_pre(mel)                                  k5, 4 frames of look-ahead (right-padded)
 * for i in 0..2:
 *     x = ups[i](leaky_relu(x, 0.1))                 nearest x8 / x5 / x3, then left-causal conv
 *     if last: x = ReflectionPad1d((1, 0))(x)        120T -> 120T + 1 frames
 *     x = x + source_resblocks[i](source_downs[i](s_stft))
 *     x = mean_j resblocks[3i + j](x)
 * conv_post(leaky_relu(x, 0.01))                     k7 left-causal -> [18, 120T + 1]
 * </pre>
 * All weights (weight norms fused) are packed into one float array; the operations address them by offset.
 * {@link CudaHiftDecoder} runs the plan with {@code hift.cu}; a host mirror of those kernels in the tests runs
 * the same plan on the CPU, so the geometry, offsets and buffer hand-offs are checked without a GPU.
 */
final class HiftPlan {
    static final float FINAL_LRELU_SLOPE = 0.01f;          // F.leaky_relu default
    private static final float NO_DIV_BY_ZERO = 1e-9f;     // Snake
    static final int MAX_K = 32;                           // CONV_MAX_K of hift.cu
    /** Work buffers {@link #forward} needs, each of {@link #workFloats} floats. */
    static final int WORK_BUFFERS = 8;

    /**
     * A convolution: weight [cout, cin, k] and bias at float offsets of the packed weights; input nearest-upsampled
     * by {@code up}, {@code padLeft} zeros on the left, zeros past the end.
     */
    record Conv(long weight, long bias, int cout, int cin, int k, int dilation, int stride, int padLeft, int up) {
        /** Output frames for {@code tin} input frames and {@code rightPad} zeros on the right. */
        int outFrames(int tin, int rightPad) {
            return (int) (((long) tin * up + padLeft + rightPad - (long) (k - 1) * dilation - 1) / stride + 1);
        }
    }

    /** Snake's alpha and 1 / (alpha + 1e-9) (float32), at float offsets of the packed weights. */
    record Snake(long alpha, long invAlpha) {}

    record Layer(Snake activation1, Conv conv1, Snake activation2, Conv conv2) {}

    /** The primitive operations; B is a buffer of floats (device or host). */
    interface Ops<B> {
        /** out[co, t] = conv(in)[co, t] (+ residual[co, t]); residual may be null or alias out. */
        void conv(Conv c, B in, int tin, B out, int tout, B residual);
        /** In place: x > 0 ? x : x * slope. */
        void leakyRelu(B x, int n, float slope);
        void snake(B out, B in, Snake s, int channels, int frames);
        /** y += a */
        void addInto(B y, B a, int n);
        /** y /= d */
        void divide(B y, int n, float d);
        /** out[c] = [in[c, 1], in[c, 0..frames)]: frames + 1 columns. */
        void reflectPadLeft1(B out, B in, int channels, int frames);
    }

    /** Where the plan reads its float32 weights: a key and its expected shape. */
    @FunctionalInterface
    interface Weights {
        float[] get(String key, int... shape);

        /** From a state dict, with its shape checks. */
        static Weights of(StateDict dict) {
            return (key, shape) -> {
                long[] s = new long[shape.length];
                for (int i = 0; i < shape.length; i++) s[i] = shape[i];
                return dict.get(key, s).toFloats();
            };
        }
    }

    private final HiftConfig config;
    private final float[] packed;
    private final Conv convPre;
    private final List<Conv> ups = new ArrayList<>();
    private final List<Conv> sourceDowns = new ArrayList<>();
    private final List<List<Layer>> sourceResblocks = new ArrayList<>();
    private final List<List<Layer>> resblocks = new ArrayList<>();
    private final Conv convPost;

    private final class Packer {
        final List<float[]> parts = new ArrayList<>();
        long floats;

        long add(float[] values) {
            long at = floats;
            parts.add(values);
            floats += values.length;
            return at;
        }
    }

    /** @param hift {@code hift.pt} with weight norms fused ({@code ModelFolder.hiftWeights()}); not kept */
    HiftPlan(HiftConfig config, Weights hift) {
        this.config = config;
        Packer p = new Packer();
        int base = config.baseChannels();
        int sourceChannels = sourceChannels();
        this.convPre = conv(p, hift, "conv_pre.", base, config.inChannels(), config.convPreLookRight() + 1, 1, 1, 0, 1);
        int[] rates = config.upsampleRates();
        int n = rates.length;
        for (int i = 0; i < n; i++) {
            int k = config.upsampleKernelSizes()[i];
            ups.add(conv(p, hift, "ups." + i + ".", base >> (i + 1), base >> i, k, 1, 1, k - 1, rates[i]));
        }
        for (int i = 0; i < n; i++) {
            int u = 1;                                                  // downsample_cum_rates[::-1]
            for (int j = i + 1; j < n; j++) u *= rates[j];
            int out = base >> (i + 1);
            String key = "source_downs." + i + ".";
            sourceDowns.add(u == 1 ? conv(p, hift, key, out, sourceChannels, 1, 1, 1, 0, 1)              // k1 at full rate
                                   : conv(p, hift, key, out, sourceChannels, 2 * u, 1, u, u - 1, 1));     // CausalConv1dDownSample
            sourceResblocks.add(resBlock(p, hift, "source_resblocks." + i + ".", out,
                    config.sourceResblockKernelSizes()[i], config.sourceResblockDilationSizes()[i]));
        }
        int kernels = config.resblockKernelSizes().length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < kernels; j++) {
                resblocks.add(resBlock(p, hift, "resblocks." + (i * kernels + j) + ".", base >> (i + 1),
                        config.resblockKernelSizes()[j], config.resblockDilationSizes()[j]));
            }
        }
        int postK = 7;                                                  // conv_post: CausalConv1d(ch, n_fft + 2, 7)
        this.convPost = conv(p, hift, "conv_post.", sourceChannels, base >> n, postK, 1, 1, causalPadding(postK, 1), 1);
        if (p.floats > Integer.MAX_VALUE) throw new IllegalArgumentException("HiFT weights of " + p.floats + " floats do not fit one array");
        this.packed = new float[(int) p.floats];
        int at = 0;
        for (float[] part : p.parts) {
            System.arraycopy(part, 0, packed, at, part.length);
            at += part.length;
        }
    }

    /** Every weight, packed in the order the offsets name. */
    float[] packedWeights() { return packed; }

    int sourceChannels() { return config.istftNFft() + 2; }   // 18: real and imaginary bins

    /** prod(upsample_rates) = 120: decoder frames per mel frame. */
    int upsampleFactor() {
        int r = 1;
        for (int u : config.upsampleRates()) r *= u;
        return r;
    }

    /** CosyVoice's CausalConv1d: floor((k - 1) d / 2) * 2 + (k + 1) % 2 zeros on the causal side. */
    static int causalPadding(int k, int dilation) { return (k - 1) * dilation / 2 * 2 + (k + 1) % 2; }

    private static Conv conv(HiftPlan.Packer p, Weights w, String prefix, int cout, int cin, int k, int dilation, int stride, int padLeft, int up) {
        if (k > MAX_K) throw new IllegalArgumentException(prefix + "weight: kernel " + k + " is longer than hift.cu's CONV_MAX_K " + MAX_K);
        long weight = p.add(w.get(prefix + "weight", cout, cin, k));
        long bias = p.add(w.get(prefix + "bias", cout));
        return new Conv(weight, bias, cout, cin, k, dilation, stride, padLeft, up);
    }

    private static Snake snake(HiftPlan.Packer p, Weights w, String key, int channels) {
        float[] alpha = w.get(key, channels);
        float[] inv = new float[channels];
        for (int c = 0; c < channels; c++) inv[c] = 1f / (alpha[c] + NO_DIV_BY_ZERO);
        return new Snake(p.add(alpha), p.add(inv));
    }

    private static List<Layer> resBlock(HiftPlan.Packer p, Weights w, String prefix, int channels, int k, int[] dilations) {
        List<Layer> layers = new ArrayList<>();
        for (int j = 0; j < dilations.length; j++) {
            layers.add(new Layer(
                    snake(p, w, prefix + "activations1." + j + ".alpha", channels),
                    conv(p, w, prefix + "convs1." + j + ".", channels, channels, k, dilations[j], 1, causalPadding(k, dilations[j]), 1),
                    snake(p, w, prefix + "activations2." + j + ".alpha", channels),
                    conv(p, w, prefix + "convs2." + j + ".", channels, channels, k, 1, 1, causalPadding(k, 1), 1)));
        }
        return layers;
    }

    /** Decoded frames T' of a call: all of them when final, else the last conv_pre_look_right are look-ahead only. */
    int decodedFrames(int melFrames, boolean finalize) {
        int frames = finalize ? melFrames : melFrames - config.convPreLookRight();
        if (frames < 1) {
            throw new IllegalArgumentException("HiFT decoder input of " + melFrames + " frames decodes nothing"
                    + (finalize ? "" : " (a non-final call keeps the last " + config.convPreLookRight() + " as conv_pre look-ahead)"));
        }
        return frames;
    }

    /** Floats each work buffer needs for {@code frames} decoded frames: the largest channels x frames of any stage. */
    long workFloats(int frames) {
        long need = (long) config.baseChannels() * frames;
        long len = frames;
        int[] rates = config.upsampleRates();
        for (int i = 0; i < rates.length; i++) {
            len *= rates[i];
            need = Math.max(need, (long) (config.baseChannels() >> (i + 1)) * (len + 1));
        }
        return Math.max(need, (long) sourceChannels() * (upsampleFactor() * (long) frames + 1));
    }

    /** The largest im2col operand cin * k * tout of any conv of a call on {@code frames} decoded frames (GEMM convs). */
    long maxConvOperandFloats(int frames) {
        long[] max = {0};
        Ops<Object> sizing = new Ops<>() {
            @Override public void conv(Conv c, Object in, int tin, Object out, int tout, Object residual) {
                max[0] = Math.max(max[0], (long) c.cin() * c.k() * tout);
            }
            @Override public void leakyRelu(Object x, int n, float slope) {}
            @Override public void snake(Object out, Object in, Snake s, int channels, int len) {}
            @Override public void addInto(Object y, Object a, int n) {}
            @Override public void divide(Object y, int n, float d) {}
            @Override public void reflectPadLeft1(Object out, Object in, int channels, int len) {}
        };
        List<Object> work = new ArrayList<>();
        for (int i = 0; i < WORK_BUFFERS; i++) work.add(i);
        forward(sizing, "mel", frames, "source", upsampleFactor() * frames + 1, frames, work);
        return max[0];
    }

    /**
     * Runs the decoder. {@code mel} holds [80, melFrames], {@code source} the source STFT [18, stftFrames]
     * with stftFrames = 120 T' + 1; {@code work} {@link #WORK_BUFFERS} buffers of {@link #workFloats} floats.
     *
     * @return the work buffer holding conv_post's output [18, stftFrames]
     */
    <B> B forward(Ops<B> ops, B mel, int melFrames, B source, int stftFrames, int frames, List<B> work) {
        if (work.size() != WORK_BUFFERS) throw new IllegalArgumentException("the HiFT plan needs " + WORK_BUFFERS + " work buffers, got " + work.size());
        B x = work.get(0), spare = work.get(1), sd = work.get(2), sr = work.get(3), t1 = work.get(4), t2 = work.get(5), acc = work.get(6), rb = work.get(7);
        ops.conv(convPre, mel, melFrames, x, frames, null);                           // [base, T']
        int len = frames, channels = config.baseChannels();
        int n = ups.size(), kernels = config.resblockKernelSizes().length;
        for (int i = 0; i < n; i++) {
            ops.leakyRelu(x, channels * len, (float) config.lreluSlope());
            Conv up = ups.get(i);
            ops.conv(up, x, len, spare, len * up.up(), null);                         // [C / 2, len * rate]
            len *= up.up();
            channels = up.cout();
            B swap = x; x = spare; spare = swap;
            if (i == n - 1) {                                                         // ReflectionPad1d((1, 0))
                ops.reflectPadLeft1(spare, x, channels, len);
                len += 1;
                swap = x; x = spare; spare = swap;
            }
            Conv down = sourceDowns.get(i);
            int downFrames = down.outFrames(stftFrames, 0);
            if (downFrames != len) throw new IllegalStateException("source_downs." + i + " gives " + downFrames + " frames, the decoder is at " + len);
            ops.conv(down, source, stftFrames, sd, len, null);                        // [C, len]
            resBlock(ops, sourceResblocks.get(i), sd, sr, t1, t2, channels, len);
            ops.addInto(x, sr, channels * len);                                       // x = x + source branch
            resBlock(ops, resblocks.get(i * kernels), x, acc, t1, t2, channels, len);  // xs = resblocks[3i](x)
            for (int j = 1; j < kernels; j++) {
                resBlock(ops, resblocks.get(i * kernels + j), x, rb, t1, t2, channels, len);
                ops.addInto(acc, rb, channels * len);                                 // xs += resblocks[3i + j](x)
            }
            ops.divide(acc, channels * len, kernels);                                 // x = xs / num_kernels
            swap = x; x = acc; acc = swap;
        }
        ops.leakyRelu(x, channels * len, FINAL_LRELU_SLOPE);
        if (len != stftFrames) throw new IllegalStateException("decoder produced " + len + " frames, the source STFT has " + stftFrames);
        ops.conv(convPost, x, len, spare, len, null);                                 // [18, 120T' + 1]
        return spare;
    }

    /** One HiFT ResBlock, out = in + its layers: for each dilation, x += conv2(snake2(conv1_d(snake1(x)))). */
    private static <B> void resBlock(Ops<B> ops, List<Layer> layers, B in, B out, B t1, B t2, int channels, int len) {
        for (int j = 0; j < layers.size(); j++) {
            Layer l = layers.get(j);
            B x = j == 0 ? in : out;
            ops.snake(t1, x, l.activation1(), channels, len);
            ops.conv(l.conv1(), t1, len, t2, len, null);
            ops.snake(t2, t2, l.activation2(), channels, len);
            ops.conv(l.conv2(), t2, len, out, len, x);                                // out = conv2(..) + x
        }
    }
}
