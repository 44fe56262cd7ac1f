package org.voicestudio.engines.cuda.vocoder;

import org.bytedeco.javacpp.FloatPointer;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaException;
import org.voicestudio.engines.cuda.DevicePointer;
import org.voicestudio.engines.cuda.StreamOp;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.engines.cuda.vocoder.HiftPlan.Conv;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.HiftDecoder;

import java.util.Arrays;
import java.util.function.Consumer;

import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_GEMM_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.cublasGemmEx;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cudart.CUDA_R_32F;

/**
 * {@code CausalHiFTGenerator.decode} up to {@code conv_post} (reference §5) on the GPU in float32: the
 * {@link HiftPlan} run with the kernels of {@code hift.cu}, one generic {@code causal_conv1d} (dilation,
 * stride, left padding, fused nearest up-sampling) plus element-wise Snake, leaky ReLU, add, divide and
 * reflection pad.
 *
 * <p>Each convolution runs either as that kernel ({@link Convs#DIRECT}) or as im2col + one cuBLAS SGEMM with float32
 * compute and the context's default math mode, i.e. no TF32 ({@link Convs#GEMM}, the default, for the GEMM
 * kernels' throughput); both are float32 FMAs and differ only in summation order.
 *
 * <p>Why plain fp32 FMAs and no TF32 or bf16: conv_post's rows 9..17 are phases that go through sin/cos
 * in the iSTFT, and the source STFT added at each stage carries the harmonic phase, a cumulative sum of
 * F0 (reference §5: the official code runs F0 in float64; ports need TF32 off for parity). A
 * 10-bit-mantissa product would move conv_post by ~1e-3 relative, 50x the reference tolerance.
 *
 * <p>The weights are uploaded once into one device buffer; the activations live in a workspace that grows
 * with the longest mel seen. Not thread-safe.
 */
public final class CudaHiftDecoder implements HiftDecoder {
    /** System property choosing how the convolutions run: {@code gemm} (default) or {@code direct}. */
    public static final String CONVS_PROPERTY = "voicestudio.cuda.vocoder.convs";

    /** How a convolution runs. Both are plain float32 products (no TF32): only the summation order differs. */
    public enum Convs {
        /** hift.cu's causal_conv1d: one thread per time step, 8 output channels in registers. */
        DIRECT,
        /** im2col into [cin * k, T], one cuBLAS SGEMM (float32 compute, no TF32), bias/residual epilogue. */
        GEMM;

        /** From {@link #CONVS_PROPERTY}; a clear error for an unknown value. */
        public static Convs fromSystemProperty() {
            String v = System.getProperty(CONVS_PROPERTY, "gemm").trim();
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "gemm" -> GEMM;
                case "direct" -> DIRECT;
                default -> throw new IllegalArgumentException("-D" + CONVS_PROPERTY + "=" + v + ": expected gemm or direct");
            };
        }
    }

    private static final String SOURCE = "hift.cu";
    private static final int CO_TILE = 8;       // CONV_CO_TILE of hift.cu
    private static final int T_TILE = 128;      // threads (time steps) per conv block
    private static final int BLOCK = 256;       // threads per element-wise block

    private final CudaContext ctx;
    private final HiftConfig config;
    private final HiftPlan plan;
    private final DeviceBuffer weights;
    private final Kernel conv, leakyRelu, snake, addInto, divide, reflectPad, im2col, biasResidual;
    private final Convs convs;
    private final DeviceBuffer[] work = new DeviceBuffer[HiftPlan.WORK_BUFFERS];
    private DeviceBuffer colBuffer, gemmBuffer;          // Convs.GEMM: the im2col operand and the GEMM output
    private long colFloats, gemmFloats;
    private final FloatPointer one = new FloatPointer(1).put(1f), zero = new FloatPointer(1).put(0f);
    private DeviceBuffer melBuffer, sourceBuffer;
    private long workFloats, melFloats, sourceFloats;
    private final GpuOps ops = new GpuOps();
    private long epoch;                                  // bumped whenever a work buffer is reallocated

    /** @param hift {@code hift.pt} with weight norms fused ({@code ModelFolder.hiftWeights()}); read once, not kept */
    public CudaHiftDecoder(CudaContext ctx, HiftConfig config, StateDict hift) {
        this(ctx, config, hift, Convs.fromSystemProperty());
    }

    /** With an explicit convolution path (tests and benchmarks compare both). */
    public CudaHiftDecoder(CudaContext ctx, HiftConfig config, StateDict hift, Convs convs) {
        this(ctx, config, new HiftPlan(config, HiftPlan.Weights.of(hift)), convs);
    }

    /** The decoder of an already built plan (random full-geometry weights in benchmarks). */
    CudaHiftDecoder(CudaContext ctx, HiftConfig config, HiftPlan plan, Convs convs) {
        this.ctx = ctx;
        this.convs = convs;
        this.config = config;
        this.plan = plan;
        ctx.makeCurrent();
        float[] packed = plan.packedWeights();
        this.weights = ctx.allocate(packed.length * 4L);
        try {
            weights.upload(packed, 0);
            var kc = ctx.kernels();
            this.conv = kc.kernel(SOURCE, "causal_conv1d");
            this.leakyRelu = kc.kernel(SOURCE, "leaky_relu");
            this.snake = kc.kernel(SOURCE, "snake");
            this.addInto = kc.kernel(SOURCE, "add_into");
            this.divide = kc.kernel(SOURCE, "divide");
            this.reflectPad = kc.kernel(SOURCE, "reflect_pad_left1");
            this.im2col = kc.kernel(SOURCE, "conv_im2col");
            this.biasResidual = kc.kernel(SOURCE, "conv_bias_residual");
        } catch (RuntimeException | Error e) {
            weights.close();
            throw e;
        }
    }

    /** How the convolutions run. */
    public Convs convs() { return convs; }

    /** Bytes of weights on the device. */
    public long weightBytes() { return weights.bytes(); }

    @Override
    public float[] forward(Mel mel, float[] sourceStft, int stftFrames, boolean finalize) {
        if (mel.channels() != config.inChannels()) throw new IllegalArgumentException("HiFT decoder needs " + config.inChannels() + " mel channels, got " + mel.channels());
        int frames = plan.decodedFrames(mel.frames(), finalize);
        int sourceChannels = plan.sourceChannels();
        if (stftFrames != plan.upsampleFactor() * frames + 1) {
            throw new IllegalArgumentException("source STFT has " + stftFrames + " frames, " + frames + " decoded mel frames need " + (plan.upsampleFactor() * frames + 1));
        }
        if (sourceStft.length != sourceChannels * stftFrames) {
            throw new IllegalArgumentException("source STFT holds " + sourceStft.length + " values, expected " + sourceChannels + " x " + stftFrames);
        }
        ctx.makeCurrent();
        ensureWorkspace(mel, stftFrames, frames);
        melBuffer.upload(mel.data(), 0);
        sourceBuffer.upload(sourceStft, 0);
        ctx.synchronizeDevice();                                   // the uploads have landed before the stream reads them
        DeviceBuffer out = enqueue(melBuffer, mel.frames(), sourceBuffer, stftFrames, frames);
        ctx.synchronize();
        return out.downloadFloats(0, sourceChannels * stftFrames);
    }

    /**
     * Enqueues the decoder on the context's stream over device inputs: {@code mel} [80, melFrames], {@code source}
     * the source STFT [18, stftFrames] (stftFrames = 120 frames + 1). Returns the work buffer that will hold
     * conv_post's output [18, stftFrames] once the stream gets there (valid until the next call).
     */
    DeviceBuffer enqueue(DeviceBuffer mel, int melFrames, DeviceBuffer source, int stftFrames, int frames) {
        return record(op -> op.enqueue(ctx.stream()), mel, melFrames, source, stftFrames, frames);
    }

    /**
     * As {@link #enqueue}, but hands each launch / cuBLAS call to {@code sink} (to keep and replay, or to capture into a
     * graph). The ops stay valid while {@link #epoch()} is unchanged.
     */
    DeviceBuffer record(Consumer<StreamOp> sink, DeviceBuffer mel, int melFrames, DeviceBuffer source, int stftFrames, int frames) {
        if (stftFrames != plan.upsampleFactor() * frames + 1) {
            throw new IllegalArgumentException("source STFT has " + stftFrames + " frames, " + frames + " decoded mel frames need " + (plan.upsampleFactor() * frames + 1));
        }
        ensureWork(frames);
        ops.sink = sink;
        try {
            return plan.forward(ops, mel, melFrames, source, stftFrames, frames, Arrays.asList(work));
        } finally {
            ops.sink = null;
        }
    }

    /** Changes whenever a device buffer that recorded ops point to is reallocated. */
    long epoch() { return epoch; }

    /** Decoded frames of a call on {@code melFrames} mel frames. */
    int decodedFrames(int melFrames, boolean finalize) { return plan.decodedFrames(melFrames, finalize); }

    /** {@link HiftPlan.Ops} as launches of hift.cu on the context's stream. */
    private final class GpuOps implements HiftPlan.Ops<DeviceBuffer> {
        private Consumer<StreamOp> sink;

        @Override
        public void conv(Conv c, DeviceBuffer in, int tin, DeviceBuffer out, int tout, DeviceBuffer residual) {
            Object res = residual != null ? residual : new Ptr(0);
            if (convs == Convs.GEMM) {
                int k = c.cin() * c.k();
                elementwiseLong(im2col, (long) k * tout, colBuffer, in, c.cin(), tin, c.k(), c.dilation(), c.stride(), c.padLeft(), c.up(), tout);
                sink.accept(new Sgemm(tout, c.cout(), k, new DevicePointer(colBuffer.address()),
                        new DevicePointer(weights.address(c.weight() * 4)), new DevicePointer(gemmBuffer.address()), ctx, one, zero));
                elementwiseLong(biasResidual, (long) c.cout() * tout, out, gemmBuffer, ptr(c.bias()), res, c.cout(), tout);
                return;
            }
            sink.accept(conv.launch(new Dim((tout + T_TILE - 1) / T_TILE, (c.cout() + CO_TILE - 1) / CO_TILE, 1), Dim.of(T_TILE), 0,
                    out, in, ptr(c.weight()), ptr(c.bias()), res, c.cin(), tin, c.cout(), tout, c.k(), c.dilation(), c.stride(),
                    c.padLeft(), c.up()));
        }

        @Override
        public void leakyRelu(DeviceBuffer x, int n, float slope) { elementwise(leakyRelu, n, x, x, n, slope); }

        @Override
        public void snake(DeviceBuffer out, DeviceBuffer in, HiftPlan.Snake s, int channels, int frames) {
            elementwise(snake, channels * frames, out, in, ptr(s.alpha()), ptr(s.invAlpha()), channels, frames);
        }

        @Override
        public void addInto(DeviceBuffer y, DeviceBuffer a, int n) { elementwise(addInto, n, y, a, n); }

        @Override
        public void divide(DeviceBuffer y, int n, float d) { elementwise(divide, n, y, n, d); }

        @Override
        public void reflectPadLeft1(DeviceBuffer out, DeviceBuffer in, int channels, int frames) {
            elementwise(reflectPad, channels * (frames + 1), out, in, channels, frames);
        }

        private void elementwise(Kernel k, int count, Object... args) {
            sink.accept(k.launch(Dim.of((count + BLOCK - 1) / BLOCK), Dim.of(BLOCK), 0, args));
        }

        private void elementwiseLong(Kernel k, long count, Object... args) {
            sink.accept(k.launch(Dim.of(Math.toIntExact((count + BLOCK - 1) / BLOCK)), Dim.of(BLOCK), 0, args));
        }

        private Ptr ptr(long floatOffset) { return Ptr.of(weights, floatOffset * 4); }
    }

    /** Row-major g[n, m] = W[n, k] · col[k, m] (one conv), i.e. column-major gᵀ = colᵀ · Wᵀ, float32 compute. */
    private record Sgemm(int m, int n, int k, DevicePointer col, DevicePointer w, DevicePointer g, CudaContext ctx,
                         FloatPointer one, FloatPointer zero) implements StreamOp {
        @Override
        public void enqueue(CUstream_st stream) {
            int rc = cublasSetStream_v2(ctx.blas(), stream);
            if (rc == 0) {
                rc = cublasGemmEx(ctx.blas(), CUBLAS_OP_N, CUBLAS_OP_N, m, n, k,
                        one, col, CUDA_R_32F, m, w, CUDA_R_32F, k, zero, g, CUDA_R_32F, m,
                        CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
            }
            if (rc != 0) throw new CudaException("cublasGemmEx (HiFT conv " + n + "x" + k + " x " + m + " frames) failed: cublasStatus " + rc);
        }

        @Override
        public String label() { return "cublas sgemm conv " + n + "x" + k + " x" + m; }
    }

    /** Grows the device buffers to what this call needs. */
    private void ensureWorkspace(Mel mel, int stftFrames, int frames) {
        ensureWork(frames);
        long melNeed = (long) mel.channels() * mel.frames();
        if (melNeed > melFloats) {
            if (melBuffer != null) melBuffer.close();
            melBuffer = null;
            melBuffer = ctx.allocate(melNeed * 4);
            melFloats = melNeed;
        }
        long srcNeed = (long) plan.sourceChannels() * stftFrames;
        if (srcNeed > sourceFloats) {
            if (sourceBuffer != null) sourceBuffer.close();
            sourceBuffer = null;
            sourceBuffer = ctx.allocate(srcNeed * 4);
            sourceFloats = srcNeed;
        }
    }

    /** Grows the work buffers to what {@code frames} decoded frames need. */
    private void ensureWork(int frames) {
        long need = plan.workFloats(frames);
        if (need > Integer.MAX_VALUE) throw new IllegalArgumentException(frames + " decoded frames are too many for one HiFT call");
        if (need > workFloats) {
            for (int i = 0; i < work.length; i++) {
                if (work[i] != null) work[i].close();
                work[i] = null;
            }
            workFloats = 0;
            epoch++;
            for (int i = 0; i < work.length; i++) work[i] = ctx.allocate(need * 4);
            workFloats = need;
        }
        if (convs == Convs.GEMM) {
            long col = plan.maxConvOperandFloats(frames);                     // the largest cin * k * tout of any conv
            if (col > colFloats) {
                if (colBuffer != null) colBuffer.close();
                colBuffer = null;
                colFloats = 0;
                epoch++;
                colBuffer = ctx.allocate(col * 4);
                colFloats = col;
            }
            if (need > gemmFloats) {                                          // any conv output fits a work buffer
                if (gemmBuffer != null) gemmBuffer.close();
                gemmBuffer = null;
                gemmFloats = 0;
                epoch++;
                gemmBuffer = ctx.allocate(need * 4);
                gemmFloats = need;
            }
        }
    }

    @Override
    public void close() {
        ctx.makeCurrent();
        ctx.synchronize();
        for (DeviceBuffer b : work) if (b != null) b.close();
        if (colBuffer != null) colBuffer.close();
        if (gemmBuffer != null) gemmBuffer.close();
        one.close();
        zero.close();
        if (melBuffer != null) melBuffer.close();
        if (sourceBuffer != null) sourceBuffer.close();
        weights.close();
    }
}
