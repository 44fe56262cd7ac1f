package org.voicestudio.engines.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.RandomModel;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.vocoder.Vocoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every CUDA stage on the shipped demo model's geometry (issue 8: Qwen2 256 x 6 with 4 x 64 heads,
 * 712 speech rows; DiT 192 x 6 with 3 heads; HiFT base 128), random weights: the kernels take
 * these sizes from the configuration. The kernels' numbers are checked against the official ones
 * on cv3-tiny by the parity tests; here the point is that nothing assumes Fun-CosyVoice3-0.5B's
 * sizes, so outputs must have the demo's shapes and be finite, and log-probs must be normalized.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaDemoGeometryTest {
    /** exp(log-probs) sums to 1 up to float32 rounding over 712 terms. */
    private static final double SOFTMAX_SUM_TOL = 1e-3;

    private Path dir;
    private ModelFolder folder;

    @BeforeAll
    void write() throws IOException {
        if (!CudaProbe.probe().available()) return;   // every test is then skipped by needsGpu()
        dir = Files.createTempDirectory("vs-demo-geometry");
        RandomModel.write(dir, RandomModel.Geometry.DEMO, 6, DType.F32);
        folder = ModelFolder.open(dir);
    }

    @BeforeEach
    void needsGpu() { CudaTesting.assumeCudaDevice(); }

    @AfterAll
    void delete() throws IOException {
        if (folder != null) folder.close();
        if (dir == null) return;
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void theLlmScoresTheDemoSpeechRows() throws IOException {
        Random r = new Random(1);
        int[] text = r.ints(20, 0, folder.config().llm().textVocabSize()).toArray();
        int[] prompt = r.ints(30, 0, 512).toArray();
        try (SpeechLanguageModel lm = Engines.require("cuda").loadLlm(folder);
             SpeechLanguageModel.LmSession s = lm.start(text, prompt)) {
            assertEquals(712, lm.speechVocabSize());
            for (int step = 0; step < 4; step++) {
                float[] logp = s.logProbs();
                assertEquals(712, logp.length);
                double total = 0;
                for (float x : logp) {
                    assertTrue(Float.isFinite(x), "finite log-prob");
                    total += Math.exp(x);
                }
                assertEquals(1.0, total, SOFTMAX_SUM_TOL, "a log-softmax over the 712 rows");
                s.append(r.nextInt(512));
            }
        }
    }

    @Test
    void theFlowAndTheVocoderTurnDemoTokensIntoAudio() throws IOException {
        Random r = new Random(2);
        int[] prompt = r.ints(25, 0, 512).toArray();
        int[] tokens = r.ints(40, 0, 512).toArray();
        float[] feat = new float[80 * 50];
        for (int i = 0; i < feat.length; i++) feat[i] = (float) (-6 + r.nextGaussian());
        float[] xvec = new float[192];
        for (int i = 0; i < xvec.length; i++) xvec[i] = (float) r.nextGaussian();
        try (FlowModel flow = Engines.require("cuda").loadFlow(folder); Vocoder vocoder = Engines.require("cuda").loadVocoder(folder)) {
            Mel mel = flow.inference(new FlowModel.FlowRequest(tokens, prompt, Mel.fromTimeMajor(feat, 50, 80), xvec, false, true));
            assertEquals(80, mel.channels());
            assertEquals(80, mel.frames(), "2 frames per target token");
            float[] wave = vocoder.inference(mel, true);
            assertEquals(80 * 480, wave.length, "480 samples per frame");
            for (float x : wave) assertTrue(Float.isFinite(x) && Math.abs(x) <= 0.99f + 1e-6f);
        }
    }
}
