package org.voicestudio.engines.cuda;

import org.bytedeco.javacpp.Loader;
import org.voicestudio.inference.engine.Availability;

import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;

/**
 * Whether this machine can run the engine: the JavaCPP bindings load against the system's CUDA
 * libraries (cudart, NVRTC, cuBLAS; we ship none of them) and the driver reports a device. Never
 * throws: a machine without a GPU or without CUDA gets a reason, as CI does.
 */
public final class CudaProbe {
    private CudaProbe() {}

    public static Availability probe() {
        try {
            Loader.load(org.bytedeco.cuda.global.cudart.class);
            int[] count = new int[1];
            int rc = cudaGetDeviceCount(count);
            if (rc != 0) {
                return Availability.no("no CUDA device (" + cudaGetErrorString(rc).getString() + ")");
            }
            if (count[0] == 0) return Availability.no("no CUDA device");
            Loader.load(org.bytedeco.cuda.global.nvrtc.class);
            Loader.load(org.bytedeco.cuda.global.cublas.class);
            CudaContext.DeviceInfo info = CudaContext.describe(0);
            if (info.ccMajor() < 7) return Availability.no(info.name() + ": compute capability " + info.ccMajor() + "." + info.ccMinor() + " is too old (7.0 or newer needed)");
            return Availability.yes(info.toString());
        } catch (LinkageError e) {
            // UnsatisfiedLinkError (no libcudart/libcuda), NoClassDefFoundError, ExceptionInInitializerError
            return Availability.no("no CUDA device: the CUDA libraries could not be loaded (" + rootMessage(e) + ")");
        } catch (RuntimeException e) {
            return Availability.no("no CUDA device: " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
