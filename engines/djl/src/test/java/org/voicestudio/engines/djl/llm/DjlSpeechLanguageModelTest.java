package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.llm.Prefill;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DjlSpeechLanguageModelTest {
    /** Embedding rows are copied, not computed: they must be bit-identical. */
    private static final double EMB_TOL = 0;
    /** fp32 CPU against the fp32 CPU reference (the golden README expects 1e-5 absolute). */
    private static final double HIDDEN_TOL = 1e-5;
    /** Same for the log-probs (values around -9, so this is ~1e-6 relative). */
    private static final double LOGP_TOL = 1e-5;

    /** Prefill vs KV-cached decode of the same positions (the README measured 1.9e-6 in PyTorch). */
    private static final double PREFILL_VS_DECODE_TOL = 1e-5;

    private static ModelFolder folder;
    private static DjlSpeechLanguageModel lm;
    private static ModelConfig config;

    @BeforeAll
    static void load() throws Exception {
        folder = ModelFolder.open(Golden.tinyModel());
        config = folder.config();
        lm = new DjlSpeechLanguageModel(folder);
    }

    @AfterAll
    static void close() {
        lm.close();
        folder.close();
    }

    private static int[] textIds() {
        int[] prompt = Golden.tensor("llm_prompt_text").toInts();
        int[] text = Golden.tensor("llm_text").toInts();
        int[] ids = Arrays.copyOf(prompt, prompt.length + text.length);
        System.arraycopy(text, 0, ids, prompt.length, text.length);
        return ids;
    }

    private static int[] promptSpeech() {
        return Golden.tensor("llm_prompt_speech_token").toInts();
    }

    @Test
    void prefillEmbeddingMatchesOfficial() {
        try (NDManager step = NDManager.newBaseManager("PyTorch")) {
            float[] emb = lm.embed(step, Prefill.of(config.llm(), textIds(), promptSpeech())).toFloatArray();
            assertClose("llm_prefill_emb", Golden.tensor("llm_prefill_emb").toFloats(), emb, EMB_TOL);
        }
    }

    @Test
    void prefillHiddenStateAndLogProbsMatchOfficial() {
        try (var session = lm.start(textIds(), promptSpeech())) {
            assertEquals(29, session.length());
            assertClose("llm_prefill_hidden", Golden.tensor("llm_prefill_hidden").toFloats(), session.lastHidden(), HIDDEN_TOL);
            assertClose("llm_prefill_logp", Golden.tensor("llm_prefill_logp").toFloats(), session.logProbs(), LOGP_TOL);
        }
    }

    @Test
    void teacherForcedKvCacheStepsMatchOfficial() {
        int[] teacher = Golden.tensor("llm_teacher_tokens").toInts();
        float[] hidden = Golden.tensor("llm_step_hidden").toFloats();
        float[] logp = Golden.tensor("llm_step_logp").toFloats();
        int h = config.llm().hiddenSize(), v = config.llm().speechVocabSize();
        try (var session = lm.start(textIds(), promptSpeech())) {
            for (int i = 0; i < teacher.length; i++) {
                session.append(teacher[i]);
                assertEquals(29 + i + 1, session.length());
                assertClose("llm_step_hidden[" + i + "]", Arrays.copyOfRange(hidden, i * h, (i + 1) * h), session.lastHidden(), HIDDEN_TOL);
                assertClose("llm_step_logp[" + i + "]", Arrays.copyOfRange(logp, i * v, (i + 1) * v), session.logProbs(), LOGP_TOL);
            }
        }
    }

    @Test
    void interleavedSessionsKeepTheirOwnCaches() {
        int[] teacher = Golden.tensor("llm_teacher_tokens").toInts();
        float[] logp = Golden.tensor("llm_step_logp").toFloats();
        int v = config.llm().speechVocabSize();
        try (var a = lm.start(textIds(), promptSpeech()); var b = lm.start(new int[] {3, 1, 4}, new int[] {1, 5, 9})) {
            for (int i = 0; i < teacher.length; i++) {
                b.append(6000 - i);
                a.append(teacher[i]);
                b.logProbs();
            }
            assertClose("llm_step_logp[7] with another session in between", Arrays.copyOfRange(logp, 7 * v, 8 * v), a.logProbs(), LOGP_TOL);
            assertEquals(3 + 3 + 2 + 8, b.length());
        }
    }

    @Test
    void cacheGrowthKeepsEarlierPositions() {
        // prefill 250 positions (cache capacity 256), then decode across the doubling at 256 ...
        int[] prompt = new int[233];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (i * 37) % 6561;
        int[] fed = {11, 22, 33, 44, 55, 66, 77, 88, 99, 111};
        float[] viaGrowth, direct;
        try (var session = lm.start(textIds(), prompt)) {
            assertEquals(250, session.length());
            session.logProbs();
            int held = session.heldArrays();
            for (int t : fed) session.append(t);
            assertEquals(260, session.length());
            viaGrowth = session.logProbs();
            assertEquals(held, session.heldArrays(), "the grown cache replaced the old buffers");
        }
        // ... and compare with the same 260 positions as one prefill (no growth)
        int[] all = Arrays.copyOf(prompt, prompt.length + fed.length - 1);
        System.arraycopy(fed, 0, all, prompt.length, fed.length - 1);
        try (var session = lm.start(textIds(), all)) {
            session.append(fed[fed.length - 1]);
            direct = session.logProbs();
        }
        assertClose("decode across cache growth vs one prefill", direct, viaGrowth, PREFILL_VS_DECODE_TOL);
    }

    @Test
    void longDecodeHoldsAConstantNumberOfNativeArrays() {
        int modelArrays = lm.heldArrays();
        try (var session = lm.start(textIds(), promptSpeech())) {
            session.append(5);
            session.logProbs();
            int afterFirst = session.heldArrays();
            for (int i = 0; i < 150; i++) {
                session.append(i % 6561);
                session.logProbs();
            }
            assertEquals(afterFirst, session.heldArrays(), "session arrays after 150 steps");
        }
        assertEquals(modelArrays, lm.heldArrays(), "model arrays after a closed session");
    }

    @Test
    void rejectsIdsOutsideTheirTables() {
        var e = assertThrows(IllegalArgumentException.class, () -> lm.start(new int[] {1, 1000}, promptSpeech()));
        assertTrue(e.getMessage().contains("text id 1000"), e.getMessage());
        try (var session = lm.start(textIds(), promptSpeech())) {
            var e2 = assertThrows(IllegalArgumentException.class, () -> session.append(6761));
            assertTrue(e2.getMessage().contains("6761"), e2.getMessage());
        }
    }

    @Test
    void startsWithoutPromptSpeechAsInCrossLingualMode() {
        try (var session = lm.start(Golden.tensor("llm_text").toInts(), new int[0])) {
            assertEquals(1 + 9 + 1, session.length());
            assertEquals(config.llm().speechVocabSize(), session.logProbs().length);
        }
    }

    @Test
    void closedSessionRefusesWork() {
        var session = lm.start(textIds(), promptSpeech());
        session.close();
        assertThrows(IllegalStateException.class, session::logProbs);
        assertThrows(IllegalStateException.class, () -> session.append(3));
    }

    static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        assertTrue(worst <= tol, what + ": max abs diff " + worst + " at " + at + " exceeds " + tol);
    }
}
