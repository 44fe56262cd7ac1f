package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.llm.Prefill;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.testing.TinyModelConfig;

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

    private static ModelFolder folder;
    private static DjlSpeechLanguageModel lm;
    private static ModelConfig config;

    @BeforeAll
    static void load() {
        config = TinyModelConfig.config();
        folder = new ModelFolder(Golden.tinyModel(), config);
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
    void cacheGrowthKeepsEarlierPositions() {
        // a session whose cache must double several times gives the same scores as the golden path
        int[] teacher = Golden.tensor("llm_teacher_tokens").toInts();
        int[] longPrompt = new int[300];
        for (int i = 0; i < longPrompt.length; i++) longPrompt[i] = promptSpeech()[i % 12];
        float[] viaGrowth, direct;
        try (var session = lm.start(textIds(), longPrompt)) {
            for (int t : teacher) session.append(t);
            for (int i = 0; i < 300; i++) session.append(teacher[i % teacher.length]);
            viaGrowth = session.logProbs();
            assertEquals(29 - 12 + 300 + 8 + 300, session.length());
        }
        // same sequence, all as one prefill (causal attention makes it identical up to rounding)
        int[] allSpeech = new int[300 + 8 + 300 - 1];
        System.arraycopy(longPrompt, 0, allSpeech, 0, 300);
        for (int i = 0; i < 8; i++) allSpeech[300 + i] = teacher[i];
        for (int i = 0; i < 299; i++) allSpeech[308 + i] = teacher[i % teacher.length];
        try (var session = lm.start(textIds(), allSpeech)) {
            session.append(teacher[299 % teacher.length]);
            direct = session.logProbs();
        }
        assertClose("grown cache vs prefill", direct, viaGrowth, 1e-4);
    }

    @Test
    void longDecodeHoldsAConstantNumberOfNativeArrays() {
        int modelArrays = lm.heldArrays();
        try (var session = lm.start(textIds(), promptSpeech())) {
            session.append(5);
            session.logProbs();
            int afterFirst = session.heldArrays();
            for (int i = 0; i < 500; i++) {
                session.append(i % 6561);
                session.logProbs();
            }
            assertEquals(afterFirst, session.heldArrays(), "session arrays after 500 steps");
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
