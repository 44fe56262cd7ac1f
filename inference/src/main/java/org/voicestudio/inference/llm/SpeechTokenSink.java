package org.voicestudio.inference.llm;

/**
 * Receives each speech token meant for the flow stage the moment it is accepted. May block
 * (e.g. {@link java.util.concurrent.BlockingQueue#put}); blocking time is not counted as LLM time.
 */
@FunctionalInterface
public interface SpeechTokenSink {
    void accept(int token) throws InterruptedException;
}
