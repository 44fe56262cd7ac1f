package org.voicestudio.engines.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

import static org.bytedeco.cuda.global.cublas.cublasGetStatusString;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;

/** Return-code checks for the four CUDA libraries we call. Every call's code is checked. */
final class Cuda {
    private Cuda() {}

    /** CUDA runtime API. */
    static void check(int rc, String call) {
        if (rc != 0) throw new CudaException(call + " failed: " + text(cudaGetErrorString(rc)) + " (cudaError " + rc + ")");
    }

    /** CUDA driver API. */
    static void checkDriver(int rc, String call) {
        if (rc != 0) {
            BytePointer msg = new BytePointer((Pointer) null);
            String text = cuGetErrorString(rc, msg) == 0 && !msg.isNull() ? msg.getString() : "unknown";
            throw new CudaException(call + " failed: " + text + " (CUresult " + rc + ")");
        }
    }

    static void checkBlas(int rc, String call) {
        if (rc != 0) throw new CudaException(call + " failed: " + text(cublasGetStatusString(rc)) + " (cublasStatus " + rc + ")");
    }

    static void checkNvrtc(int rc, String call) {
        if (rc != 0) throw new CudaException(call + " failed: " + text(nvrtcGetErrorString(rc)) + " (nvrtcResult " + rc + ")");
    }

    private static String text(BytePointer p) { return p == null || p.isNull() ? "unknown" : p.getString(); }
}
