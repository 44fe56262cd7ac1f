package org.voicestudio.engines.cuda.flow;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The golden flow requests (as the official flow.inference calls were made) and the comparison the flow tests share. */
final class FlowFixtures {
    private FlowFixtures() {}

    /** cv3-tiny's flow hyperparameters, read from {@code cosyvoice3.yaml} by the config loader. */
    static FlowConfig tinyFlow() {
        try {
            return ModelConfigReader.read(Golden.tinyModel()).flow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The golden {@code flow_rand_noise} slice (124 frames), as {@code DjlFlowModelTest} injects it. */
    static FlowNoise goldenNoise() {
        return FlowNoise.of(Golden.tensor("flow_rand_noise"), "golden flow_rand_noise");
    }

    /** The first {@code tokens} of {@code flow_token} after the 12 prompt tokens; flow_ns: 50, final; flow_st1: 41, streaming, not final. */
    static FlowRequest request(int tokens, boolean streaming, boolean last) {
        Tensor feat = Golden.tensor("flow_prompt_feat");   // [1, 24, 80] time-major
        return new FlowRequest(Arrays.copyOf(Golden.tensor("flow_token").toInts(), tokens), Golden.tensor("flow_prompt_token").toInts(),
                Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)),
                Golden.tensor("flow_embedding").toFloats(), streaming, last);
    }

    /** Max |diff|, after asserting it is within {@code absTol}; NaN counts as infinitely wrong. */
    static double assertClose(String what, float[] expected, float[] actual, double absTol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0, refMax = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - (double) actual[i]);
            worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
            refMax = Math.max(refMax, Math.abs(expected[i]));
        }
        System.out.printf("%s: max |diff| %.3g (max |golden| %.3g, tolerance %.3g)%n", what, worst, refMax, absTol);
        assertTrue(worst <= absTol, what + ": max |diff| " + worst + " of max |golden| " + refMax + " (tolerance " + absTol + ")");
        return worst;
    }
}
