package org.voicestudio.engines.cuda.vocoder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The float64 host F0 predictor against the official float64 {@code CausalConvRNNF0Predictor} (hift_a..d_f0), on the CPU. */
class HostF0PredictorTest {
    /** float64 throughout with float64-fused weights: only the summation order differs from torch (relative, floor 1e-3 Hz). */
    private static final double F0_REL_TOL = 1e-9;
    private static final int MELS = 80, COND = 32;   // cv3-tiny: in_channels, f0_predictor.cond_channels

    private static StateDict raw;
    private static HostF0Predictor f0;

    @BeforeAll
    static void load() throws IOException {
        raw = PtReader.readStateDict(Golden.tinyModel().resolve("hift.pt"));
        f0 = new HostF0Predictor(raw, MELS, COND);
    }

    @AfterAll
    static void close() {
        f0.close();
        raw.close();
    }

    static Mel goldenMel(String name) {
        Tensor t = Golden.tensor(name);
        return new Mel((int) t.dim(1), (int) t.dim(2), t.toFloats());
    }

    private static void assertF0(String name, double[] actual) {
        double[] expected = Golden.tensor(name).toDoubles();
        assertEquals(expected.length, actual.length, name + " length");
        double max = 0;
        for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - actual[i]) / Math.max(1e-3, Math.abs(expected[i])));
        System.out.printf("%s: max relative difference %.3g%n", name, max);
        assertTrue(max <= F0_REL_TOL, name + ": max relative difference " + max + " (tolerance " + F0_REL_TOL + ")");
    }

    @Test
    void finalCallPadsZerosAndMatchesOfficialF0() {
        assertF0("hift_a_f0", f0.forward(goldenMel("flow_ns_mel"), true));
        assertF0("hift_b_f0", f0.forward(goldenMel("hift_rand_mel"), true));
    }

    @Test
    void nonFinalCallUsesTheLastThreeFramesAsContextLikeOfficial() {
        assertF0("hift_c_f0", f0.forward(goldenMel("flow_ns_mel"), false));
        assertF0("hift_d_f0", f0.forward(goldenMel("hift_rand_mel"), false));
    }

    @Test
    void badInputIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> f0.forward(new Mel(81, 10, new float[810]), true));
        assertEquals("F0 predictor needs 80 mel channels, got 81", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> f0.forward(new Mel(80, 3, new float[240]), false));
        assertTrue(e.getMessage().contains("keeps the last 3 as look-ahead"), e.getMessage());
    }
}
