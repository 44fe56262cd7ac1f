package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUstream_st;

import java.nio.file.Path;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetWorkspace_v2;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static org.bytedeco.cuda.global.cudart.cuCtxSetCurrent;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetName;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRelease;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRetain;
import static org.bytedeco.cuda.global.cudart.cuDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cuInit;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

/**
 * One GPU as the engine uses it: the device's primary context (shared with the CUDA runtime),
 * one non-blocking stream, a cuBLAS handle bound to a fixed workspace (so cuBLAS allocates nothing
 * while a graph is captured), and the {@link KernelCache}. Not thread-safe: one owner thread at a
 * time; {@link #makeCurrent()} binds the context to the calling thread.
 */
public final class CudaContext implements AutoCloseable {
    private static final long BLAS_WORKSPACE_BYTES = 32L << 20;

    private final int device;
    private final CUctx_st context;
    private final CUstream_st stream;
    private final cublasContext blas;
    private final DeviceBuffer blasWorkspace;
    private final KernelCache kernels;
    private final DeviceInfo info;
    private boolean closed;

    /** What the engine reports about the GPU. */
    public record DeviceInfo(int ordinal, String name, int ccMajor, int ccMinor, int driverVersion, int runtimeVersion) {
        public String arch() { return "sm_" + ccMajor + ccMinor; }

        private static String version(int v) { return v / 1000 + "." + (v % 1000) / 10; }

        @Override
        public String toString() {
            return name + " (" + arch() + ", driver CUDA " + version(driverVersion) + ", runtime " + version(runtimeVersion) + ")";
        }
    }

    private CudaContext(int device, CUctx_st context, CUstream_st stream, cublasContext blas, DeviceBuffer blasWorkspace,
                        KernelCache kernels, DeviceInfo info) {
        this.device = device;
        this.context = context;
        this.stream = stream;
        this.blas = blas;
        this.blasWorkspace = blasWorkspace;
        this.kernels = kernels;
        this.info = info;
    }

    public static CudaContext open(int device) {
        return open(device, KernelCache.defaultDir());
    }

    public static CudaContext open(int device, Path kernelCacheDir) {
        DeviceInfo info = describe(device);
        Cuda.check(cudaSetDevice(device), "cudaSetDevice(" + device + ")");
        Cuda.check(cudaFree(null), "cudaFree(0) (runtime initialisation)");
        CUctx_st ctx = new CUctx_st();
        Cuda.checkDriver(cuDevicePrimaryCtxRetain(ctx, device), "cuDevicePrimaryCtxRetain");
        Cuda.checkDriver(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        CUstream_st stream = new CUstream_st();
        Cuda.check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
        cublasContext blas = new cublasContext();
        Cuda.checkBlas(cublasCreate_v2(blas), "cublasCreate");
        // default math: no TF32 for float32 GEMMs (the fp32 path must match PyTorch float32)
        Cuda.checkBlas(cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        Cuda.checkBlas(cublasSetStream_v2(blas, stream), "cublasSetStream");
        DeviceBuffer workspace = DeviceBuffer.allocate(BLAS_WORKSPACE_BYTES);
        Cuda.checkBlas(cublasSetWorkspace_v2(blas, new DevicePointer(workspace.address()), workspace.bytes()), "cublasSetWorkspace");
        KernelCache kernels = new KernelCache(kernelCacheDir, info.arch(), info.driverVersion());
        return new CudaContext(device, ctx, stream, blas, workspace, kernels, info);
    }

    /** Device facts through the driver API (no context needed). */
    public static DeviceInfo describe(int device) {
        Cuda.checkDriver(cuInit(0), "cuInit");
        int[] v = new int[1];
        Cuda.checkDriver(cuDriverGetVersion(v), "cuDriverGetVersion");
        int driver = v[0];
        Cuda.check(cudaRuntimeGetVersion(v), "cudaRuntimeGetVersion");
        int runtime = v[0];
        int[] dev = new int[1];
        Cuda.checkDriver(org.bytedeco.cuda.global.cudart.cuDeviceGet(dev, device), "cuDeviceGet(" + device + ")");
        byte[] name = new byte[256];
        Cuda.checkDriver(cuDeviceGetName(name, name.length, dev[0]), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        int[] major = new int[1], minor = new int[1];
        Cuda.checkDriver(cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev[0]), "cuDeviceGetAttribute");
        Cuda.checkDriver(cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev[0]), "cuDeviceGetAttribute");
        return new DeviceInfo(device, new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8), major[0], minor[0], driver, runtime);
    }

    public DeviceInfo info() { return info; }

    public CUstream_st stream() { return stream; }

    public cublasContext blas() { return blas; }

    public KernelCache kernels() { return kernels; }

    /** Binds this context to the calling thread (driver API calls use the thread's current context). */
    public void makeCurrent() {
        ensureOpen();
        Cuda.checkDriver(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    public DeviceBuffer allocate(long bytes) {
        ensureOpen();
        return DeviceBuffer.allocate(bytes);
    }

    public void synchronize() {
        Cuda.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    /**
     * Waits for all work on the device, the legacy default stream included: a synchronous {@code cudaMemcpy}
     * from pageable memory may return before its DMA lands, and this context's stream does not wait for it.
     */
    public void synchronizeDevice() {
        Cuda.check(org.bytedeco.cuda.global.cudart.cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("CUDA context already closed");
    }

    @Override
    public void close() {
        if (closed) return;
        makeCurrent();
        synchronize();
        closed = true;
        kernels.close();
        cublasDestroy_v2(blas);
        blasWorkspace.close();
        cudaStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
    }

}
