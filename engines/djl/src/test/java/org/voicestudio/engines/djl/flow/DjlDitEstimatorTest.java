package org.voicestudio.engines.djl.flow;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.flow.FlowEstimator;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;

class DjlDitEstimatorTest {
    /** One fp32 DiT call; the reference README measures 1e-5 absolute across devices, values here up to ~10. */
    private static final double ESTIMATOR_REL_TOL = 1e-5;

    private static ModelFolder folder;
    private static DjlFlowModel model;

    @BeforeAll
    static void load() throws Exception {
        folder = ModelFolder.open(Golden.tinyModel());   // cosyvoice3.yaml through the config reader
        model = new DjlFlowModel(folder, FlowNoise.of(Golden.tensor("flow_rand_noise"), "golden flow_rand_noise"));
    }

    @AfterAll
    static void close() {
        model.close();
        folder.close();
    }

    private static float[] run(String prefix, boolean streaming) {
        int frames = (int) Golden.tensor(prefix + "x").dim(2);
        return model.estimator().velocity(new FlowEstimator.Input(80, frames,
                Golden.tensor(prefix + "x").toFloats(), Golden.tensor(prefix + "mask").toFloats(), Golden.tensor(prefix + "mu").toFloats(),
                Golden.tensor(prefix + "t").toFloats(), Golden.tensor(prefix + "spks").toFloats(), Golden.tensor(prefix + "cond").toFloats(),
                streaming));
    }

    @Test
    void fullAttentionCallMatchesOfficialEstimatorOutput() {
        Close.assertClose("flow_est_out", Golden.tensor("flow_est_out").toFloats(), run("flow_est_", false), ESTIMATOR_REL_TOL);
    }

    @Test
    void streamingCallWithBlockCausalMaskMatchesOfficialEstimatorOutput() {
        Close.assertClose("flow_st1_est_out", Golden.tensor("flow_st1_est_out").toFloats(), run("flow_st1_est_", true), ESTIMATOR_REL_TOL);
    }

    /** Guards the test above: full attention on the streaming inputs must be far off, so the mask is really exercised. */
    @Test
    void blockCausalMaskChangesTheStreamingOutput() {
        float[] ref = Golden.tensor("flow_st1_est_out").toFloats();
        float[] full = run("flow_st1_est_", false);
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - full[i]));
        }
        org.junit.jupiter.api.Assertions.assertTrue(maxDiff / maxRef > 100 * ESTIMATOR_REL_TOL, "full attention differs by only " + maxDiff / maxRef);
    }
}
