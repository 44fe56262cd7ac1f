package org.voicestudio.engines.cuda.vocoder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaProbe;
import org.voicestudio.engines.cuda.CudaTesting;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.voicestudio.engines.cuda.vocoder.HostF0PredictorTest.goldenMel;

/** GPU: the float64 F0 predictor (im2col + DGEMM) against the official float64 {@code CausalConvRNNF0Predictor} (hift_a..d_f0). */
class CudaF0PredictorTest {
    /** float64 throughout (DGEMM on float64 FMAs), only the summation order differs from torch (relative, floor 1e-3 Hz). */
    private static final double F0_REL_TOL = 1e-9;
    /** GPU vs host float64 predictor on the same weights: both float64, different summation order (each vs torch: ~1e-13). */
    private static final double HOST_REL_TOL = 1e-11;
    private static final int MELS = 80, COND = 32;   // cv3-tiny: in_channels, f0_predictor.cond_channels

    private static StateDict raw;
    private static CudaContext ctx;
    private static HostF0Predictor host;
    private static CudaF0Predictor gpu;

    @BeforeEach
    void needsGpu() { CudaTesting.assumeCudaDevice(); }

    @BeforeAll
    static void load() throws IOException {
        if (!CudaProbe.probe().available()) return;
        raw = PtReader.readStateDict(Golden.tinyModel().resolve("hift.pt"));
        host = new HostF0Predictor(raw, MELS, COND);
        ctx = CudaContext.open(0);
        gpu = new CudaF0Predictor(ctx, host);
    }

    @AfterAll
    static void close() {
        if (gpu != null) gpu.close();
        if (ctx != null) ctx.close();
        if (raw != null) raw.close();
    }

    private static double maxRelative(double[] expected, double[] actual, String name) {
        assertEquals(expected.length, actual.length, name + " length");
        double max = 0;
        for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - actual[i]) / Math.max(1e-3, Math.abs(expected[i])));
        System.out.printf("%s (GPU float64): max relative difference %.3g%n", name, max);
        return max;
    }

    private static void assertF0(String golden, Mel mel, boolean finalize) {
        double[] actual = gpu.forward(mel, finalize);
        double max = maxRelative(Golden.tensor(golden).toDoubles(), actual, golden);
        assertTrue(max <= F0_REL_TOL, golden + ": max relative difference " + max + " (tolerance " + F0_REL_TOL + ")");
        double vsHost = maxRelative(host.forward(mel, finalize), actual, golden + " vs host");
        assertTrue(vsHost <= HOST_REL_TOL, golden + ": GPU vs host max relative difference " + vsHost + " (tolerance " + HOST_REL_TOL + ")");
    }

    @Test
    void finalCallPadsZerosAndMatchesOfficialF0() {
        assertF0("hift_a_f0", goldenMel("flow_ns_mel"), true);
        assertF0("hift_b_f0", goldenMel("hift_rand_mel"), true);
    }

    @Test
    void nonFinalCallUsesTheLastThreeFramesAsContextLikeOfficial() {
        assertF0("hift_c_f0", goldenMel("flow_ns_mel"), false);
        assertF0("hift_d_f0", goldenMel("hift_rand_mel"), false);
    }

    @Test
    void badInputIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> gpu.forward(new Mel(81, 10, new float[810]), true));
        assertEquals("F0 predictor needs 80 mel channels, got 81", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> gpu.forward(new Mel(80, 3, new float[240]), false));
        assertTrue(e.getMessage().contains("keeps the last 3 as look-ahead"), e.getMessage());
    }
}
