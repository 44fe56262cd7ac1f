package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;

import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_GEMM_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasGemmEx;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cudart.CUDA_R_16BF;
import static org.bytedeco.cuda.global.cudart.CUDA_R_32F;

/**
 * {@code y[rows, n] = x[rows, k] · W[n, k]ᵀ (+ y if accumulate)}: a PyTorch {@code Linear} without
 * bias on row-major data, through cuBLAS (column-major: {@code yᵀ = W · xᵀ}). W and x share one
 * element type (fp32, or bf16 for the reduced-precision path); y and the accumulation are fp32.
 * With {@code accumulate} the residual add happens in the GEMM epilogue.
 */
public final class Gemm implements StreamOp {
    /** Element type of W and x. */
    public enum Operands {
        FP32(CUDA_R_32F, 4), BF16(CUDA_R_16BF, 2);
        final int cudaType;
        public final int bytes;
        Operands(int cudaType, int bytes) { this.cudaType = cudaType; this.bytes = bytes; }
    }

    private final cublasContext blas;
    private final int n, rows, k;
    private final Operands operands;
    private final long w, x, y;
    private final FloatPointer alpha = new FloatPointer(1).put(1f);
    private final FloatPointer beta;

    public Gemm(cublasContext blas, Operands operands, int n, int rows, int k, long w, long x, long y, boolean accumulate) {
        this.blas = blas;
        this.operands = operands;
        this.n = n;
        this.rows = rows;
        this.k = k;
        this.w = w;
        this.x = x;
        this.y = y;
        this.beta = new FloatPointer(1).put(accumulate ? 1f : 0f);
    }

    @Override
    public String label() { return "cublas " + n + "x" + k + (rows == 1 ? "" : " x" + rows + " rows"); }

    @Override
    public void enqueue(CUstream_st stream) {
        Cuda.checkBlas(cublasSetStream_v2(blas, stream), "cublasSetStream");
        Cuda.checkBlas(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, n, rows, k,
                alpha, new DevicePointer(w), operands.cudaType, k,
                new DevicePointer(x), operands.cudaType, k,
                beta, new DevicePointer(y), CUDA_R_32F, n,
                CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT), "cublasGemmEx(" + n + "x" + k + ", rows " + rows + ")");
    }
}
