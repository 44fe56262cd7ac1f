package org.voicestudio.engines.tensorrt.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.engines.tensorrt.plan.PrecisionMode;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class PlanCacheTest {
    @TempDir Path dir;

    private static PlanKey key(String gpu, String cc, String trt, String hash, BuildOptions o) {
        return new PlanKey("dit-fp16-full", gpu, cc, trt, hash, o);
    }

    private static final BuildOptions O = BuildOptions.defaults();
    private static final PlanKey K = key("NVIDIA H200", "9.0", "10.15.1", "ab".repeat(32), O);

    @Test
    void everyFieldOfTheKeyChangesTheDigest() {
        BuildOptions fp32 = new BuildOptions(PrecisionMode.FP32, O.maskMode(), O.profile(), O.workspaceBytes(), O.optimizationLevel(), O.tf32());
        List<PlanKey> variants = List.of(K, key("NVIDIA L40S", "9.0", "10.15.1", "ab".repeat(32), O), key("NVIDIA H200", "8.9", "10.15.1", "ab".repeat(32), O),
                key("NVIDIA H200", "9.0", "11.2.0", "ab".repeat(32), O), key("NVIDIA H200", "9.0", "10.15.1", "cd".repeat(32), O),
                key("NVIDIA H200", "9.0", "10.15.1", "ab".repeat(32), fp32),
                new PlanKey("dit-fp16-streaming", "NVIDIA H200", "9.0", "10.15.1", "ab".repeat(32), O));
        assertEquals(variants.size(), variants.stream().map(PlanKey::digest).distinct().count());
        assertEquals(K.digest(), key("NVIDIA H200", "9.0", "10.15.1", "ab".repeat(32), BuildOptions.defaults()).digest(), "stable");
        assertEquals("nvidia-h200-sm90", K.gpuFolder());
    }

    @Test
    void layoutIsGpuThenTensorRtVersionThenPlanAndDigest() {
        PlanCache cache = new PlanCache(dir);
        assertEquals(dir.resolve("nvidia-h200-sm90").resolve("trt-10.15.1").resolve("dit-fp16-full-" + K.digest() + ".engine"), cache.planFile(K));
        assertEquals(dir.resolve("nvidia-h200-sm90").resolve("trt-10.15.1").resolve("dit-fp16-full-" + K.digest() + ".key"), cache.keyFile(K));
    }

    @Test
    void buildsOnceThenLoadsFromTheCache() throws IOException {
        PlanCache cache = new PlanCache(dir);
        AtomicInteger builds = new AtomicInteger();
        PlanCache.Builder b = k -> { builds.incrementAndGet(); return new byte[] {1, 2, 3}; };
        assertInstanceOf(PlanCache.Resolution.Built.class, cache.loadOrBuild(K, b));
        PlanCache.Resolution second = cache.loadOrBuild(K, b);
        assertInstanceOf(PlanCache.Resolution.Cached.class, second);
        assertEquals(1, builds.get());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(second.file()));
        assertEquals(K.canonical(), Files.readString(cache.keyFile(K)));
    }

    @Test
    void aPlanWhoseKeyFileDiffersIsNotUsed() throws IOException {
        PlanCache cache = new PlanCache(dir);
        cache.loadOrBuild(K, k -> new byte[] {1});
        Files.writeString(cache.keyFile(K), K.canonical().replace("10.15.1", "10.14.0"));
        assertTrue(cache.lookup(K).isEmpty());
        assertInstanceOf(PlanCache.Resolution.Built.class, cache.loadOrBuild(K, k -> new byte[] {2}));
    }

    @Test
    void failedBuildIsAClearErrorAndKeepsThePreviousPlan() throws IOException {
        PlanCache cache = new PlanCache(dir);
        Path old = cache.loadOrBuild(K, k -> new byte[] {7}).file();
        PlanKey upgraded = key("NVIDIA H200", "9.0", "11.2.0", "ab".repeat(32), O);
        PlanCache.BuildFailedException e = assertThrows(PlanCache.BuildFailedException.class,
                () -> cache.loadOrBuild(upgraded, k -> { throw new IllegalStateException("out of workspace"); }));
        assertTrue(e.getMessage().contains("dit-fp16-full") && e.getMessage().contains("out of workspace") && e.getMessage().contains("11.2.0"),
                e.getMessage());
        assertEquals(List.of(old), e.kept());
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(old));
        assertFalse(Files.exists(cache.planFile(upgraded)));
        try (var s = Files.walk(dir)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".partial")), "no half-written plan left behind");
        }
    }

    @Test
    void emptyEngineCountsAsAFailedBuild() {
        PlanCache cache = new PlanCache(dir);
        assertThrows(PlanCache.BuildFailedException.class, () -> cache.loadOrBuild(K, k -> new byte[0]));
    }

    @Test
    void weightsHashCoversOnlyTheListedTensorsAndEveryByteOfThem() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a", Tensor.ofFloats(new float[] {1, 2, 3}, 3));
        m.put("unused", Tensor.ofFloats(new float[] {9}, 1));
        String h = WeightsHash.of(StateDict.of("t", m), List.of("a"));
        Map<String, Tensor> m2 = new LinkedHashMap<>(m);
        m2.put("unused", Tensor.ofFloats(new float[] {8}, 1));
        assertEquals(h, WeightsHash.of(StateDict.of("t", m2), List.of("a")));
        m2.put("a", Tensor.ofFloats(new float[] {1, 2, 3.0001f}, 3));
        assertNotEquals(h, WeightsHash.of(StateDict.of("t", m2), List.of("a")));
        m2.put("a", Tensor.ofFloats(new float[] {1, 2, 3}, 1, 3));
        assertNotEquals(h, WeightsHash.of(StateDict.of("t", m2), List.of("a")), "shape is part of the hash");
        assertEquals(64, h.length());
    }
}
