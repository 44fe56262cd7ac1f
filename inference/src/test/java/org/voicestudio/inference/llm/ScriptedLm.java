package org.voicestudio.inference.llm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A test double of the LM: at decode step i it scores {@code script.apply(i)} near-certain
 * (log-prob ~0) and every other id at -40, and records what is fed back.
 */
final class ScriptedLm implements SpeechLanguageModel {
    final List<Integer> appended = new ArrayList<>();
    final IntFunction<Integer> script;
    int sessionsOpen;
    boolean closedAfterUse;

    ScriptedLm(IntFunction<Integer> script) {
        this.script = script;
    }

    @Override
    public LmSession start(int[] textIds, int[] promptSpeechTokens) {
        sessionsOpen++;
        int prefill = 2 + textIds.length + promptSpeechTokens.length;
        return new LmSession() {
            int step;
            boolean closed;

            @Override
            public float[] logProbs() {
                if (closed) throw new IllegalStateException("closed");
                float[] logp = new float[speechVocabSize()];
                Arrays.fill(logp, -40f);
                logp[script.apply(step)] = 0f;
                return logp;
            }

            @Override
            public void append(int speechToken) {
                if (closed) throw new IllegalStateException("closed");
                appended.add(speechToken);
                step++;
            }

            @Override
            public int length() { return prefill + step; }

            @Override
            public void close() {
                if (!closed) sessionsOpen--;
                closed = true;
                closedAfterUse = true;
            }
        };
    }

    @Override public int speechVocabSize() { return 6761; }

    @Override public void close() {}
}
