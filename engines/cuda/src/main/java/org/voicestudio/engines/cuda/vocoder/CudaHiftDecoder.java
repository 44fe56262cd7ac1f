package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.HiftDecoder;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code CausalHiFTGenerator.decode} up to {@code conv_post} (reference §5) on the GPU, float32:
 * <pre>
 * x = conv_pre(mel)                                  k5, 4 frames of look-ahead
 * for i in 0..2:
 *     x = ups[i](leaky_relu(x, 0.1))                 nearest x8 / x5 / x3, then left-causal conv
 *     if last: x = ReflectionPad1d((1, 0))(x)        120T -> 120T + 1 frames
 *     x = x + source_resblocks[i](source_downs[i](s_stft))
 *     x = mean_j resblocks[3i + j](x)
 * conv_post(leaky_relu(x, 0.01))                     k7 left-causal -> [18, 120T + 1]
 * </pre>
 * Every convolution is the one generic {@code causal_conv1d} kernel of {@code hift.cu} (dilation,
 * stride, left padding, fused nearest up-sampling); the activations are small element-wise kernels.
 *
 * <p>Why plain fp32 FMAs and no TF32 or bf16: conv_post's rows 9..17 are phases that go through
 * sin/cos in the iSTFT, and the source STFT added at each stage carries the harmonic phase, which is a
 * cumulative sum of F0 (reference §5: the official code even runs F0 in float64; third-party ports need
 * TF32 off for parity). A 10-bit-mantissa product would move them by ~1e-3 relative, 50x the DJL
 * reference's conv_post tolerance.
 *
 * <p>Weights ({@code ModelFolder.hiftWeights()}, weight norms fused) are uploaded once into one device
 * buffer. The activations live in a workspace that grows with the longest mel seen. Not thread-safe.
 */
public final class CudaHiftDecoder implements HiftDecoder {
    private static final String SOURCE = "hift.cu";
    private static final float FINAL_LRELU_SLOPE = 0.01f;   // F.leaky_relu default
    private static final float NO_DIV_BY_ZERO = 1e-9f;      // Snake
    private static final int CO_TILE = 8;                   // CONV_CO_TILE of hift.cu
    private static final int MAX_K = 32;                    // CONV_MAX_K of hift.cu
    private static final int T_TILE = 128;
    private static final int BLOCK = 256;
    private static final int WORK_BUFFERS = 8;

    /** A convolution's geometry and the float offsets of its weight [cout, cin, k] and bias in the weight buffer. */
    private record Conv(long weight, long bias, int cout, int cin, int k, int dilation, int stride, int padLeft, int up) {
        /** Output frames for {@code tin} input frames, with no right padding beyond the implicit zeros. */
        int outFrames(int tin, int rightPad) { return (int) (((long) tin * up + padLeft + rightPad - (long) (k - 1) * dilation - 1) / stride + 1); }
    }

    private record Snake(long alpha, long invAlpha) {}

    private record Layer(Snake activation1, Conv conv1, Snake activation2, Conv conv2) {}

    private final CudaContext ctx;
    private final HiftConfig config;
    private final DeviceBuffer weights;
    private final Conv convPre;
    private final List<Conv> ups = new ArrayList<>();
    private final List<Conv> sourceDowns = new ArrayList<>();
    private final List<List<Layer>> sourceResblocks = new ArrayList<>();
    private final List<List<Layer>> resblocks = new ArrayList<>();
    private final Conv convPost;
    private final Kernel conv, leakyRelu, snake, addInto, divide, reflectPad;
    private final DeviceBuffer[] work = new DeviceBuffer[WORK_BUFFERS];
    private DeviceBuffer melBuffer, sourceBuffer;
    private long workFloats, melFloats, sourceFloats;

    /** Collects host weights and their offsets, then uploads them in one buffer. */
    private static final class Packer {
        final List<float[]> parts = new ArrayList<>();
        long floats;

        long add(float[] values) {
            long at = floats;
            parts.add(values);
            floats += values.length;
            return at;
        }
    }

    /** @param hift {@code hift.pt} with weight norms fused ({@code ModelFolder.hiftWeights()}); read once, not kept */
    public CudaHiftDecoder(CudaContext ctx, HiftConfig config, StateDict hift) {
        this.ctx = ctx;
        this.config = config;
        Packer p = new Packer();
        int base = config.baseChannels();
        int sourceChannels = config.istftNFft() + 2;                 // 18: real and imaginary bins
        int preK = config.convPreLookRight() + 1;
        this.convPre = conv(p, hift, "conv_pre.", base, config.inChannels(), preK, 1, 1, 0, 1);  // right-padded: pad_left 0
        int[] rates = config.upsampleRates();
        int n = rates.length;
        for (int i = 0; i < n; i++) {
            int k = config.upsampleKernelSizes()[i];
            ups.add(conv(p, hift, "ups." + i + ".", base >> (i + 1), base >> i, k, 1, 1, k - 1, rates[i]));
        }
        for (int i = 0; i < n; i++) {
            int u = 1;                                                // downsample_cum_rates[::-1]
            for (int j = i + 1; j < n; j++) u *= rates[j];
            int out = base >> (i + 1);
            String key = "source_downs." + i + ".";
            sourceDowns.add(u == 1 ? conv(p, hift, key, out, sourceChannels, 1, 1, 1, 0, 1)
                                   : conv(p, hift, key, out, sourceChannels, 2 * u, 1, u, u - 1, 1));
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
        int postK = 7;                                                // conv_post: CausalConv1d(ch, n_fft + 2, 7)
        this.convPost = conv(p, hift, "conv_post.", sourceChannels, base >> n, postK, 1, 1, causalPadding(postK, 1), 1);

        ctx.makeCurrent();
        this.weights = ctx.allocate(p.floats * 4);
        try {
            long at = 0;
            for (float[] part : p.parts) {
                weights.upload(part, at * 4);
                at += part.length;
            }
            var kc = ctx.kernels();
            this.conv = kc.kernel(SOURCE, "causal_conv1d");
            this.leakyRelu = kc.kernel(SOURCE, "leaky_relu");
            this.snake = kc.kernel(SOURCE, "snake");
            this.addInto = kc.kernel(SOURCE, "add_into");
            this.divide = kc.kernel(SOURCE, "divide");
            this.reflectPad = kc.kernel(SOURCE, "reflect_pad_left1");
        } catch (RuntimeException | Error e) {
            weights.close();
            throw e;
        }
    }

    /** CosyVoice's CausalConv1d: floor((k - 1) d / 2) * 2 + (k + 1) % 2 zeros on the causal side. */
    private static int causalPadding(int k, int dilation) { return (k - 1) * dilation / 2 * 2 + (k + 1) % 2; }

    private static Conv conv(Packer p, StateDict w, String prefix, int cout, int cin, int k, int dilation, int stride, int padLeft, int up) {
        if (k > MAX_K) throw new IllegalArgumentException(prefix + "weight: kernel " + k + " is longer than hift.cu's CONV_MAX_K " + MAX_K);
        long weight = p.add(w.get(prefix + "weight", cout, cin, k).toFloats());
        long bias = p.add(w.get(prefix + "bias", cout).toFloats());
        return new Conv(weight, bias, cout, cin, k, dilation, stride, padLeft, up);
    }

    private static Snake snake(Packer p, StateDict w, String key, int channels) {
        float[] alpha = w.get(key, channels).toFloats();
        float[] inv = new float[channels];
        for (int c = 0; c < channels; c++) inv[c] = 1f / (alpha[c] + NO_DIV_BY_ZERO);
        return new Snake(p.add(alpha), p.add(inv));
    }

    private static List<Layer> resBlock(Packer p, StateDict w, String prefix, int channels, int k, int[] dilations) {
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

    /** Bytes of weights on the device. */
    public long weightBytes() { return weights.bytes(); }

    @Override
    public float[] forward(Mel mel, float[] sourceStft, int stftFrames, boolean finalize) {
        if (mel.channels() != config.inChannels()) throw new IllegalArgumentException("HiFT decoder needs " + config.inChannels() + " mel channels, got " + mel.channels());
        int lookRight = config.convPreLookRight();
        int frames = finalize ? mel.frames() : mel.frames() - lookRight;          // decoded frames T'
        if (frames < 1) {
            throw new IllegalArgumentException("HiFT decoder input of " + mel.frames() + " frames decodes nothing"
                    + (finalize ? "" : " (a non-final call keeps the last " + lookRight + " as conv_pre look-ahead)"));
        }
        int factor = 1;
        for (int u : config.upsampleRates()) factor *= u;
        int sourceChannels = config.istftNFft() + 2;
        if (stftFrames != factor * frames + 1) {
            throw new IllegalArgumentException("source STFT has " + stftFrames + " frames, " + frames + " decoded mel frames need " + (factor * frames + 1));
        }
        if (sourceStft.length != sourceChannels * stftFrames) {
            throw new IllegalArgumentException("source STFT holds " + sourceStft.length + " values, expected " + sourceChannels + " x " + stftFrames);
        }
        ctx.makeCurrent();
        ensureWorkspace(mel, stftFrames, frames);
        melBuffer.upload(mel.data(), 0);
        sourceBuffer.upload(sourceStft, 0);

        DeviceBuffer x = work[0], spare = work[1], sd = work[2], sr = work[3], acc = work[6], rb = work[7];
        conv(convPre, melBuffer, mel.frames(), x, frames, null);                   // [base, T']
        int len = frames, channels = config.baseChannels();
        int n = ups.size(), kernels = config.resblockKernelSizes().length;
        for (int i = 0; i < n; i++) {
            elementwise(leakyRelu, channels * len, x, x, channels * len, (float) config.lreluSlope());
            Conv up = ups.get(i);
            conv(up, x, len, spare, len * up.up(), null);                          // [C / 2, len * rate]
            len *= up.up();
            channels = up.cout();
            DeviceBuffer t = x; x = spare; spare = t;
            if (i == n - 1) {                                                      // ReflectionPad1d((1, 0))
                elementwise(reflectPad, channels * (len + 1), spare, x, channels, len);
                len += 1;
                t = x; x = spare; spare = t;
            }
            Conv down = sourceDowns.get(i);
            int downFrames = down.outFrames(stftFrames, 0);
            if (downFrames != len) throw new IllegalStateException("source_downs." + i + " gives " + downFrames + " frames, the decoder is at " + len);
            conv(down, sourceBuffer, stftFrames, sd, len, null);                   // [C, len]
            resBlock(sourceResblocks.get(i), sd, sr, channels, len);
            elementwise(addInto, channels * len, x, sr, channels * len);           // x = x + source
            resBlock(resblocks.get(i * kernels), x, acc, channels, len);
            for (int j = 1; j < kernels; j++) {
                resBlock(resblocks.get(i * kernels + j), x, rb, channels, len);
                elementwise(addInto, channels * len, acc, rb, channels * len);
            }
            elementwise(divide, channels * len, acc, channels * len, (float) kernels);
            t = x; x = acc; acc = t;
        }
        elementwise(leakyRelu, channels * len, x, x, channels * len, FINAL_LRELU_SLOPE);
        if (len != stftFrames) throw new IllegalStateException("decoder produced " + len + " frames, the source STFT has " + stftFrames);
        conv(convPost, x, len, spare, len, null);                                  // [18, 120T' + 1]
        ctx.synchronize();
        return spare.downloadFloats(0, sourceChannels * len);
    }

    /** One HiFT ResBlock, out = in + sum of its layers: x += conv2(snake2(conv1_d(snake1(x)))). */
    private void resBlock(List<Layer> layers, DeviceBuffer in, DeviceBuffer out, int channels, int len) {
        DeviceBuffer t1 = work[4], t2 = work[5];
        for (int j = 0; j < layers.size(); j++) {
            Layer l = layers.get(j);
            DeviceBuffer x = j == 0 ? in : out;
            elementwise(snake, channels * len, t1, x, ptr(l.activation1().alpha()), ptr(l.activation1().invAlpha()), channels, len);
            conv(l.conv1(), t1, len, t2, len, null);
            elementwise(snake, channels * len, t2, t2, ptr(l.activation2().alpha()), ptr(l.activation2().invAlpha()), channels, len);
            conv(l.conv2(), t2, len, out, len, x);                                 // out = conv2(..) + x
        }
    }

    private void conv(Conv c, DeviceBuffer in, int tin, DeviceBuffer out, int tout, DeviceBuffer residual) {
        Object res = residual != null ? residual : new Ptr(0);
        conv.launch(new Dim((tout + T_TILE - 1) / T_TILE, (c.cout() + CO_TILE - 1) / CO_TILE, 1), Dim.of(T_TILE), 0,
                out, in, ptr(c.weight()), ptr(c.bias()), res, c.cin(), tin, c.cout(), tout, c.k(), c.dilation(), c.stride(),
                c.padLeft(), c.up()).enqueue(ctx.stream());
    }

    private void elementwise(Kernel k, int count, Object... args) {
        k.launch(Dim.of((count + BLOCK - 1) / BLOCK), Dim.of(BLOCK), 0, args).enqueue(ctx.stream());
    }

    private Ptr ptr(long floatOffset) { return Ptr.of(weights, floatOffset * 4); }

    /** Grows the device buffers to the largest activation of this call: max over stages of channels x frames. */
    private void ensureWorkspace(Mel mel, int stftFrames, int frames) {
        int sourceChannels = config.istftNFft() + 2;
        long need = (long) config.baseChannels() * frames;
        long len = frames;
        int[] rates = config.upsampleRates();
        for (int i = 0; i < rates.length; i++) {
            len *= rates[i];
            need = Math.max(need, (long) (config.baseChannels() >> (i + 1)) * (len + 1));
        }
        need = Math.max(need, (long) sourceChannels * stftFrames);
        if (need > Integer.MAX_VALUE) throw new IllegalArgumentException("mel of " + mel.frames() + " frames is too long for one HiFT call");
        if (need > workFloats) {
            for (int i = 0; i < WORK_BUFFERS; i++) {
                if (work[i] != null) work[i].close();
                work[i] = null;
            }
            for (int i = 0; i < WORK_BUFFERS; i++) work[i] = ctx.allocate(need * 4);
            workFloats = need;
        }
        long melNeed = (long) mel.channels() * mel.frames();
        if (melNeed > melFloats) {
            if (melBuffer != null) melBuffer.close();
            melBuffer = ctx.allocate(melNeed * 4);
            melFloats = melNeed;
        }
        long srcNeed = (long) sourceChannels * stftFrames;
        if (srcNeed > sourceFloats) {
            if (sourceBuffer != null) sourceBuffer.close();
            sourceBuffer = ctx.allocate(srcNeed * 4);
            sourceFloats = srcNeed;
        }
    }

    @Override
    public void close() {
        ctx.makeCurrent();
        ctx.synchronize();
        for (DeviceBuffer b : work) if (b != null) b.close();
        if (melBuffer != null) melBuffer.close();
        if (sourceBuffer != null) sourceBuffer.close();
        weights.close();
    }
}
