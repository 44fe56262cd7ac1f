package org.voicestudio.app.ui.synthesis;

/**
 * Implemented by a listener that wants to know where each sentence's audio ends, so a take of
 * several sentences can later have one of them regenerated. A {@link Synthesizer} that splits text
 * calls it after the last chunk of each sentence.
 */
public interface SentenceListener {
    void onSentenceEnd(int index, String text);
}
