package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cudart.CUstream_st;

/**
 * One piece of device work with all its arguments fixed: a kernel launch or a cuBLAS call. A
 * model step is a list of these; issuing the list is the eager path, capturing it once into a
 * {@link CudaGraph} is the replayed path, so both run exactly the same work.
 */
public interface StreamOp {
    void enqueue(CUstream_st stream);

    /** Short label for profiles: the kernel name, or the GEMM's shape. */
    String label();
}
