package org.voicestudio.engines.cuda.vocoder;

import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The vocoder's kernel sources compile with NVRTC to PTX for sm_90 (no GPU needed, only the NVRTC library): catches
 * syntax and type errors before a GPU run. Skips where the NVRTC native library cannot be loaded (this build
 * machine has no CUDA toolkit; the GPU machine has one).
 */
class HiftKernelSourcesCompileTest {
    private static final String DIR = "/org/voicestudio/engines/cuda/kernels/";

    private static String nvrtcUnavailable() {
        try {
            Loader.load(org.bytedeco.cuda.global.nvrtc.class);
            return null;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return "NVRTC native library not loadable here: " + e;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hift.cu", "hift_source.cu"})
    void kernelSourceCompilesForSm90(String file) throws IOException {
        String why = nvrtcUnavailable();
        assumeTrue(why == null, why);
        String source;
        try (InputStream in = HiftKernelSourcesCompileTest.class.getResourceAsStream(DIR + file)) {
            assertNotNull(in, file + " is not on the class path");
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        _nvrtcProgram program = new _nvrtcProgram();
        assertEquals(0, nvrtcCreateProgram(program, new BytePointer(source), new BytePointer(file), 0,
                (PointerPointer<?>) null, (PointerPointer<?>) null), "nvrtcCreateProgram");
        try {
            String[] opts = {"--gpu-architecture=compute_90", "--std=c++17", "-default-device"};
            PointerPointer<BytePointer> optPtrs = new PointerPointer<>(opts.length);
            for (int i = 0; i < opts.length; i++) optPtrs.put(i, new BytePointer(opts[i]));
            int rc = nvrtcCompileProgram(program, opts.length, optPtrs);
            assertEquals(0, rc, () -> file + " does not compile:\n" + log(program));
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
}
