package org.voicestudio.engines.tensorrt;

import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.voicestudio.inference.engine.Availability;

import java.io.PrintStream;

import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;

/**
 * Whether TensorRT can be used here: the JavaCPP glue ({@code libjninvinfer.so}) is on the class path, but
 * {@code libnvinfer.so.10} and {@code libcudart.so.13} must come from the user's TensorRT / CUDA installation
 * (or the optional {@code tensorrt-redist} Maven profile). Loading them is the probe.
 */
public final class TensorRtLibrary {
    public static final String NOT_FOUND = "TensorRT library not found: install TensorRT 10.x/11.x for CUDA 13 or enable the redist profile";

    /** The loaded library and the GPU engines are built for. */
    public record Info(String version, String gpuName, String computeCapability) {}

    private TensorRtLibrary() {}

    /** Loads the natives; never throws. */
    public static Availability probe() {
        try {
            Info info = load();
            return Availability.yes("TensorRT " + info.version() + " on " + info.gpuName() + " (sm " + info.computeCapability() + ")");
        } catch (Throwable e) {
            return Availability.no(reason(e));
        }
    }

    /**
     * The user-facing reason for a failed load: a missing library (the usual case) is named as such with the
     * loader's own message, anything else (no GPU, driver too old) as it is.
     */
    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String detail = root.getClass().getSimpleName() + ": " + root.getMessage();
        boolean linkage = e instanceof LinkageError || root instanceof LinkageError;
        return linkage ? NOT_FOUND + " (" + detail + ")" : "TensorRT cannot run here: " + detail;
    }

    /** Loads libnvinfer and cudart, reads the version and device 0. */
    public static Info load() {
        int v = org.bytedeco.tensorrt.global.nvinfer.getInferLibVersion();   // triggers the native load
        String version = versionString(v);
        int[] count = new int[1];
        int rc = cudaGetDeviceCount(count);
        if (rc != cudaSuccess || count[0] == 0) throw new IllegalStateException("no CUDA GPU visible (cudaGetDeviceCount returned " + rc + ")");
        try (cudaDeviceProp prop = new cudaDeviceProp()) {
            rc = cudaGetDeviceProperties(prop, 0);
            if (rc != cudaSuccess) throw new IllegalStateException("cudaGetDeviceProperties failed with " + rc);
            return new Info(version, prop.name().getString().trim(), prop.major() + "." + prop.minor());
        }
    }

    /** {@code getInferLibVersion()} = major·10000 + minor·100 + patch (TensorRT 10 and later). */
    static String versionString(int v) {
        return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
    }

    /** TensorRT's log, warnings and errors to {@code out} (info only when verbose). */
    public static ILogger logger(PrintStream out, boolean verbose) {
        return new ILogger() {
            @Override
            public void log(Severity severity, String msg) {
                if (verbose || severity.value <= Severity.kWARNING.value) out.println("[TensorRT " + severity + "] " + msg);
            }
        };
    }
}
