package org.voicestudio.voices;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import static org.junit.jupiter.api.Assertions.*;

class VoiceCreatorTest {
    /** torch reduces the float32 mean with its own summation order; ours sums in double: a few ulp. */
    private static final double MEAN_TOL = 1e-5;

    @Test
    void fbankMeanSubtractionMatchesCampPlusInput() {
        Tensor raw = Golden.tensor("fe_fbank_raw"); // [128, 80]
        float[] want = Golden.tensor("fe_campplus_input").toFloats();
        PromptFeatures.Matrix got = VoiceCreator.meanSubtracted(new PromptFeatures.Matrix((int) raw.dim(0), (int) raw.dim(1), raw.toFloats()));
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got.data()[i], MEAN_TOL, "element " + i);
    }
}
