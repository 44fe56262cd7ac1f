package org.voicestudio.app.cli.parity;

import org.voicestudio.engines.djl.DjlEngine;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.llm.SpeechLanguageModel.LmSession;
import org.voicestudio.inference.loading.ModelFolder;

import java.util.List;

/**
 * {@code llm_*}: the prefill log-probs and the teacher-forced decode steps through the LLM stage
 * contract (prefill, then {@code append} each teacher token and score the next).
 */
public final class LlmParity implements ParityGroup {
    /** fp32 CPU log-probs: 1e-5 expected (golden README), 1e-4 the gate. */
    static final Tolerance LOGP = Tolerance.absolute(1e-4);

    @Override public String name() { return "LLM (djl)"; }

    @Override public List<String> prefixes() { return List.of("llm_"); }

    @Override
    public void run(ModelFolder model, GoldenFixture g) throws Exception {
        int[] promptText = g.ints("llm_prompt_text");
        int[] text = g.ints("llm_text");
        int[] promptSpeech = g.ints("llm_prompt_speech_token");
        int[] teacher = g.ints("llm_teacher_tokens");
        int[] textIds = new int[promptText.length + text.length];
        System.arraycopy(promptText, 0, textIds, 0, promptText.length);
        System.arraycopy(text, 0, textIds, promptText.length, text.length);

        try (SpeechLanguageModel lm = new DjlEngine().loadLlm(model); LmSession session = lm.start(textIds, promptSpeech)) {
            int vocab = lm.speechVocabSize();
            g.compare("llm_prefill_logp", session.logProbs(), LOGP, 1, vocab);
            float[] steps = new float[teacher.length * vocab];
            for (int i = 0; i < teacher.length; i++) {
                session.append(teacher[i]);
                System.arraycopy(session.logProbs(), 0, steps, i * vocab, vocab);
            }
            g.compare("llm_step_logp", steps, LOGP, teacher.length, vocab);
        }
    }
}
