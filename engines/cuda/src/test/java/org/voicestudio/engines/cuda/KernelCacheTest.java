package org.voicestudio.engines.cuda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.engines.cuda.Kernel.Dim;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GPU: NVRTC compiles our sources for the device found, the cubin is cached, kernels compute. */
class KernelCacheTest {
    @TempDir Path cacheDir;

    @BeforeEach
    void needsGpu() { CudaTesting.assumeCudaDevice(); }

    @Test
    void compiledKernelIsCachedOnDiskAndReused() {
        try (CudaContext ctx = CudaContext.open(0, cacheDir)) {
            System.out.println("device: " + ctx.info() + ", NVRTC " + ctx.kernels().nvrtcVersion());
            assertFalse(ctx.kernels().isCached("qwen2.cu"));
            ctx.kernels().kernel("qwen2.cu", "log_softmax");
            assertTrue(ctx.kernels().isCached("qwen2.cu"));
        }
        try (CudaContext ctx = CudaContext.open(0, cacheDir)) {
            assertTrue(ctx.kernels().isCached("qwen2.cu"));
            ctx.kernels().kernel("qwen2.cu", "log_softmax");   // loads the cached cubin
        }
    }

    @Test
    void logSoftmaxKernelMatchesDoublePrecision() {
        int v = 6761;
        float[] x = new float[v];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < v; i++) x[i] = (float) (r.nextGaussian() * 3);
        double max = Double.NEGATIVE_INFINITY;
        for (float f : x) max = Math.max(max, f);
        double sum = 0;
        for (float f : x) sum += Math.exp(f - max);
        double lse = max + Math.log(sum);
        try (CudaContext ctx = CudaContext.open(0, cacheDir);
             DeviceBuffer in = ctx.allocate(v * 4L);
             DeviceBuffer out = ctx.allocate(v * 4L)) {
            in.upload(x, 0);
            out.upload(new float[v], 0);
            Kernel k = ctx.kernels().kernel("qwen2.cu", "log_softmax");
            k.launch(Dim.of(1), Dim.of(1024), 0, out, in, v).enqueue(ctx.stream());
            ctx.synchronize();
            float[] y = out.downloadFloats(0, v);
            double worst = 0;
            for (int i = 0; i < v; i++) worst = Math.max(worst, Math.abs(y[i] - (x[i] - lse)));
            // float32 sum of 6761 terms and one logf: a few ulp of |lse| ~ 12
            assertTrue(worst < 1e-5, "max abs error " + worst);
        }
    }

    @Test
    void graphReplaysTheCapturedLaunches() {
        try (CudaContext ctx = CudaContext.open(0, cacheDir);
             DeviceBuffer counter = ctx.allocate(4)) {
            counter.upload(new int[] {7}, 0);
            Kernel advance = ctx.kernels().kernel("qwen2.cu", "advance_position");
            try (CudaGraph g = CudaGraph.capture(ctx.stream(), java.util.List.of(
                    advance.launch(Dim.of(1), Dim.of(1), 0, counter, 2),
                    advance.launch(Dim.of(1), Dim.of(1), 0, counter, 3)))) {
                ctx.synchronize();
                assertEquals(7, counter.downloadInts(0, 1)[0], "capture must not execute");
                for (int i = 0; i < 10; i++) g.launch(ctx.stream());
                ctx.synchronize();
                assertEquals(57, counter.downloadInts(0, 1)[0]);
            }
        }
    }
}
