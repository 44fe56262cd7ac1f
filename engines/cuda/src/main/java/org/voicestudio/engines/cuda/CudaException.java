package org.voicestudio.engines.cuda;

/** A CUDA, NVRTC or cuBLAS call failed; the message names the call and the library's error text. */
public final class CudaException extends RuntimeException {
    public CudaException(String message) { super(message); }
}
