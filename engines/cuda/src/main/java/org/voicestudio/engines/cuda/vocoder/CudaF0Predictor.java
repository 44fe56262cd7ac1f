package org.voicestudio.engines.cuda.vocoder;

import org.bytedeco.javacpp.DoublePointer;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaException;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.DevicePointer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.StreamOp;
import org.bytedeco.cuda.cudart.CUstream_st;
import java.util.function.Consumer;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.vocoder.F0Predictor;

import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_64F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_GEMM_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.cublasGemmEx;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cudart.CUDA_R_64F;

/**
 * {@code CausalConvRNNF0Predictor} (reference §5) on the GPU in float64, as the official inference casts it:
 * each conv is an im2col into [cin * k, T'] and one cuBLAS DGEMM ({@code W[cond, cin * k] · col}, IEEE float64
 * FMAs, on the H100/H200 float64 tensor cores), then bias + ELU; then the classifier and abs. Same weights
 * (fused in float64) and the same padding as {@link HostF0Predictor}: condnet.0 k4 reads 3 frames ahead (zeros
 * past the end), condnet.2..8 k3 are left-causal.
 *
 * <p>Why float64 and not float32: F0 feeds the harmonic phase, a cumulative sum of ~1e5 radians over a
 * sentence, so a 1e-7 relative error in F0 moves late phases by ~1e-2 rad (reference §5).
 */
public final class CudaF0Predictor implements F0Predictor {
    private static final String SOURCE = "hift_source.cu";
    private static final int BLOCK = 256;

    private final CudaContext ctx;
    private final int inChannels, condChannels;
    private final int[] kernels = new int[HostF0Predictor.CONDNET_LAYERS];
    private final DeviceBuffer[] weights = new DeviceBuffer[HostF0Predictor.CONDNET_LAYERS];   // [cond, cin * k]
    private final DeviceBuffer[] biases = new DeviceBuffer[HostF0Predictor.CONDNET_LAYERS];
    private final DeviceBuffer classifierWeight;
    private final double classifierBias;
    private final Kernel im2colF32, im2colF64, biasElu, classifier;
    private final Workspace work;
    private final Workspace.Slot col, h0, h1, f0Slot, f0fSlot, melSlot;
    private final DoublePointer one = new DoublePointer(1).put(1.0), zero = new DoublePointer(1).put(0.0);

    /** The weights of a host predictor (already fused in float64), uploaded once. */
    public CudaF0Predictor(CudaContext ctx, HostF0Predictor host) {
        this.ctx = ctx;
        this.inChannels = host.inChannels();
        this.condChannels = host.condChannels();
        ctx.makeCurrent();
        this.work = new Workspace(ctx);
        DeviceBuffer cw = null;
        try {
            for (int i = 0; i < kernels.length; i++) {
                int cin = i == 0 ? inChannels : condChannels;
                kernels[i] = host.weight(i).length / (condChannels * cin);
                weights[i] = Workspace.uploadDoubles(ctx, host.weight(i));
                biases[i] = Workspace.uploadDoubles(ctx, host.bias(i));
            }
            cw = Workspace.uploadDoubles(ctx, host.classifierWeight());
            var kc = ctx.kernels();
            this.im2colF32 = kc.kernel(SOURCE, "im2col_f32");
            this.im2colF64 = kc.kernel(SOURCE, "im2col_f64");
            this.biasElu = kc.kernel(SOURCE, "bias_elu_f64");
            this.classifier = kc.kernel(SOURCE, "f0_classifier");
        } catch (RuntimeException | Error e) {
            if (cw != null) cw.close();
            closeWeights();
            work.close();
            throw e;
        }
        this.classifierWeight = cw;
        this.classifierBias = host.classifierBias();
        this.col = work.slot();
        this.h0 = work.slot();
        this.h1 = work.slot();
        this.f0Slot = work.slot();
        this.f0fSlot = work.slot();
        this.melSlot = work.slot();
    }

    /** F0 frames of a call on {@code melFrames}: all when final, else the last {@link #LOOK_RIGHT} are look-ahead only. */
    static int outFrames(int melFrames, boolean finalize) {
        int out = finalize ? melFrames : melFrames - LOOK_RIGHT;
        if (out < 1) throw new IllegalArgumentException("F0 predictor input of " + melFrames + " frames gives no output"
                + (finalize ? "" : " (a non-final call keeps the last " + LOOK_RIGHT + " as look-ahead)"));
        return out;
    }

    /**
     * Enqueues the predictor on the context's stream: {@code mel} [80, melFrames] float32 on the device; writes
     * {@code f0} [out] float64 and {@code f0f} [out] float32 (the copy the source reads).
     */
    void enqueue(DeviceBuffer mel, int melFrames, int out, DeviceBuffer f0, DeviceBuffer f0f) {
        record(op -> op.enqueue(ctx.stream()), mel, melFrames, out, f0, f0f);
    }

    /** Changes whenever a device buffer that recorded ops point to is reallocated. */
    long epoch() { return work.epoch(); }

    /** As {@link #enqueue}, but hands each launch / cuBLAS call to {@code sink}; valid while {@link #epoch()} is unchanged. */
    void record(Consumer<StreamOp> sink, DeviceBuffer mel, int melFrames, int out, DeviceBuffer f0, DeviceBuffer f0f) {
        int k0 = kernels[0];
        DeviceBuffer c = col.of((long) Math.max(inChannels * k0, condChannels * HostF0Predictor.KERNEL) * out * 8);
        DeviceBuffer a = h0.of((long) condChannels * out * 8), b = h1.of((long) condChannels * out * 8);
        // condnet.0: no left padding, the k0 - 1 = 3 frames to the right are real (non-final) or zeros (final)
        elementwise(sink, im2colF32, (long) inChannels * k0 * out, c, mel, inChannels, melFrames, k0, 0, out);
        sink.accept(new Dgemm(out, condChannels, inChannels * k0, c, weights[0], a));
        elementwise(sink, biasElu, (long) condChannels * out, a, biases[0], condChannels, out);
        for (int i = 1; i < kernels.length; i++) {
            int k = kernels[i];
            elementwise(sink, im2colF64, (long) condChannels * k * out, c, a, condChannels, out, k, k - 1, out);   // left-causal
            sink.accept(new Dgemm(out, condChannels, condChannels * k, c, weights[i], b));
            elementwise(sink, biasElu, (long) condChannels * out, b, biases[i], condChannels, out);
            DeviceBuffer s = a; a = b; b = s;
        }
        elementwise(sink, classifier, out, f0, f0f, a, classifierWeight, Double.doubleToRawLongBits(classifierBias), condChannels, out);
    }

    /** y[n, m] = W[n, k] · col[k, m] (row-major: n = cond, m = frames), i.e. column-major yᵀ = colᵀ · Wᵀ, float64. */
    private final class Dgemm implements StreamOp {
        private final int m, n, k;
        private final DevicePointer col, w, y;

        Dgemm(int m, int n, int k, DeviceBuffer col, DeviceBuffer w, DeviceBuffer y) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.col = new DevicePointer(col.address());
            this.w = new DevicePointer(w.address());
            this.y = new DevicePointer(y.address());
        }

        @Override
        public void enqueue(CUstream_st stream) {
            int rc = cublasSetStream_v2(ctx.blas(), stream);
            if (rc == 0) {
                rc = cublasGemmEx(ctx.blas(), CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, one, col, CUDA_R_64F, m, w, CUDA_R_64F, k,
                        zero, y, CUDA_R_64F, m, CUBLAS_COMPUTE_64F, CUBLAS_GEMM_DEFAULT);
            }
            if (rc != 0) throw new CudaException("cublasGemmEx (float64 F0 conv " + n + "x" + k + " x " + m + " frames) failed: cublasStatus " + rc);
        }

        @Override
        public String label() { return "cublas dgemm f0 conv " + n + "x" + k + " x" + m; }
    }

    private static void elementwise(Consumer<StreamOp> sink, Kernel kernel, long count, Object... args) {
        sink.accept(kernel.launch(Dim.of((int) ((count + BLOCK - 1) / BLOCK)), Dim.of(BLOCK), 0, args));
    }

    /** The whole predictor for one host mel (tests, and the host-glue comparison): upload, run, download. */
    @Override
    public double[] forward(Mel mel, boolean finalize) {
        if (mel.channels() != inChannels) throw new IllegalArgumentException("F0 predictor needs " + inChannels + " mel channels, got " + mel.channels());
        int out = outFrames(mel.frames(), finalize);
        ctx.makeCurrent();
        DeviceBuffer m = melSlot.of((long) mel.data().length * 4);
        m.upload(mel.data(), 0);
        ctx.synchronizeDevice();                                   // the upload has landed before the stream reads it
        DeviceBuffer f0 = f0Slot.of(out * 8L), f0f = f0fSlot.of(out * 4L);
        enqueue(m, mel.frames(), out, f0, f0f);
        ctx.synchronize();
        return Workspace.downloadDoubles(f0, out);
    }

    private void closeWeights() {
        for (DeviceBuffer b : weights) if (b != null) b.close();
        for (DeviceBuffer b : biases) if (b != null) b.close();
    }

    @Override
    public void close() {
        ctx.makeCurrent();
        ctx.synchronize();
        closeWeights();
        classifierWeight.close();
        work.close();
        one.close();
        zero.close();
    }
}
