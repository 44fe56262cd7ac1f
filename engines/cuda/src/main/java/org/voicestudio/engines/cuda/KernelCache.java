package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;

/**
 * Our CUDA C++ sources (class-path resources under {@code org/voicestudio/engines/cuda/kernels/})
 * compiled with NVRTC to machine code for the GPU found ({@code sm_XY}), loaded as modules. The
 * cubin is cached on disk under a key of source hash, options, GPU architecture, NVRTC and driver
 * versions, so a second start skips the compiler. No fast-math: the kernels must match PyTorch's
 * float32 results.
 */
public final class KernelCache implements AutoCloseable {
    private static final String RESOURCE_DIR = "/org/voicestudio/engines/cuda/kernels/";

    private final Path cacheDir;
    private final String arch;
    private final int driverVersion;
    private final String nvrtcVersion;
    private final Map<String, CUmod_st> modules = new HashMap<>();
    private final Map<String, Kernel> kernels = new HashMap<>();

    KernelCache(Path cacheDir, String arch, int driverVersion) {
        this.cacheDir = cacheDir;
        this.arch = arch;
        this.driverVersion = driverVersion;
        try (IntPointer major = new IntPointer(1); IntPointer minor = new IntPointer(1)) {
            Cuda.checkNvrtc(org.bytedeco.cuda.global.nvrtc.nvrtcVersion(major, minor), "nvrtcVersion");
            this.nvrtcVersion = major.get() + "." + minor.get();
        }
    }

    /** The default cache folder: {@code $XDG_CACHE_HOME/voicestudio/cuda-kernels} or under {@code ~/.cache}. */
    public static Path defaultDir() {
        String prop = System.getProperty("voicestudio.cuda.cache");
        if (prop != null) return Path.of(prop);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("voicestudio").resolve("cuda-kernels");
    }

    public String nvrtcVersion() { return nvrtcVersion; }

    /** The kernel {@code name} of source {@code file} (e.g. {@code "qwen2.cu"}), compiled on first use. */
    public synchronized Kernel kernel(String file, String name) {
        String key = file + "#" + name;
        Kernel k = kernels.get(key);
        if (k != null) return k;
        CUmod_st module = modules.get(file);
        if (module == null) {
            module = load(file);
            modules.put(file, module);
        }
        CUfunc_st fn = new CUfunc_st();
        Cuda.checkDriver(cuModuleGetFunction(fn, module, name), "cuModuleGetFunction(" + file + ", " + name + ")");
        k = new Kernel(name, fn);
        kernels.put(key, k);
        return k;
    }

    /** Whether {@code file} was loaded from the disk cache rather than compiled (for tests). */
    public boolean isCached(String file) {
        return Files.isRegularFile(cubinPath(file, readSource(file)));
    }

    private CUmod_st load(String file) {
        String source = readSource(file);
        Path cubinFile = cubinPath(file, source);
        byte[] cubin;
        if (Files.isRegularFile(cubinFile)) {
            try {
                cubin = Files.readAllBytes(cubinFile);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read cached kernel " + cubinFile, e);
            }
        } else {
            cubin = compile(file, source);
            store(cubinFile, cubin);
        }
        CUmod_st module = new CUmod_st();
        try (BytePointer image = new BytePointer(cubin)) {
            Cuda.checkDriver(cuModuleLoadData(module, image), "cuModuleLoadData(" + file + ")");
        }
        return module;
    }

    private List<String> options() {
        return List.of("--gpu-architecture=" + arch, "--std=c++17", "-default-device");
    }

    private byte[] compile(String file, String source) {
        _nvrtcProgram program = new _nvrtcProgram();
        Cuda.checkNvrtc(nvrtcCreateProgram(program, new BytePointer(source), new BytePointer(file), 0,
                (PointerPointer<?>) null, (PointerPointer<?>) null), "nvrtcCreateProgram(" + file + ")");
        try {
            List<String> opts = options();
            PointerPointer<BytePointer> optPtrs = new PointerPointer<>(opts.toArray(new String[0]));
            int rc = nvrtcCompileProgram(program, opts.size(), optPtrs);
            if (rc != 0) {
                throw new CudaException("NVRTC could not compile " + file + " for " + arch + ":\n" + log(program));
            }
            try (SizeTPointer size = new SizeTPointer(1)) {
                Cuda.checkNvrtc(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
                byte[] out = new byte[Math.toIntExact(size.get())];
                try (BytePointer buf = new BytePointer(size.get())) {
                    Cuda.checkNvrtc(nvrtcGetCUBIN(program, buf), "nvrtcGetCUBIN");
                    buf.get(out);
                }
                return out;
            }
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            if (nvrtcGetProgramLogSize(program, size) != 0) return "(no log)";
            try (BytePointer buf = new BytePointer(size.get())) {
                nvrtcGetProgramLog(program, buf);
                return buf.getString();
            }
        }
    }

    private Path cubinPath(String file, String source) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(source.getBytes(StandardCharsets.UTF_8));
            sha.update(String.join(" ", options()).getBytes(StandardCharsets.UTF_8));
            sha.update(("|nvrtc " + nvrtcVersion + "|driver " + driverVersion).getBytes(StandardCharsets.UTF_8));
            String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 24);
            String stem = file.replaceAll("\\.cu$", "");
            return cacheDir.resolve(arch).resolve(stem + "-" + hash + ".cubin");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void store(Path target, byte[] cubin) {
        // a cache that cannot be written only costs a recompile next time
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "kernel", ".tmp");
            Files.write(tmp, cubin);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.getLogger(KernelCache.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot cache compiled kernel at " + target + ": " + e.getMessage());
        }
    }

    private static String readSource(String file) {
        try (InputStream in = KernelCache.class.getResourceAsStream(RESOURCE_DIR + file)) {
            if (in == null) throw new IllegalArgumentException("no kernel source " + RESOURCE_DIR + file + " on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        for (CUmod_st m : modules.values()) cuModuleUnload(m);
        modules.clear();
        kernels.clear();
    }
}
