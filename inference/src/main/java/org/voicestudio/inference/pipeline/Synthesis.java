package org.voicestudio.inference.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A running synthesis started by {@link SpeechPipeline#start}: cancel it, wait for it, see how it
 * ended. Thread-safe.
 */
public final class Synthesis {

    /** How a synthesis stands. */
    public enum Outcome { RUNNING, FINISHED, CANCELLED, FAILED }

    private final long startNanos;
    private final TokenBuffer tokens;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final List<Token2WavCall> calls = new CopyOnWriteArrayList<>();
    private volatile Outcome outcome = Outcome.RUNNING;
    private volatile Throwable failure;
    private volatile boolean cancelRequested;

    Synthesis(long startNanos, TokenBuffer tokens) {
        this.startNanos = startNanos;
        this.tokens = tokens;
    }

    /** When the request was made, on the pipeline's clock (the zero of its timeline). */
    public long startNanos() { return startNanos; }

    /**
     * Asks the synthesis to stop and returns at once. The LLM stops before its next token and
     * token2wav before its next chunk (a flow or vocoder call already running completes, its audio
     * is dropped); then sessions are closed, both worker threads end and the listener hears
     * {@code onCancelled} (unless the synthesis had already ended).
     */
    public void cancel() {
        cancelRequested = true;
        tokens.cancel();
    }

    boolean cancelRequested() { return cancelRequested; }

    /** Waits for the end (listener already notified); false on timeout. */
    public boolean await(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public void await() throws InterruptedException { ended.await(); }

    public Outcome outcome() { return outcome; }

    /** Why it failed, when {@link #outcome()} is FAILED. */
    public Throwable failure() { return failure; }

    /** The token2wav calls issued so far (the official scheduler trace). */
    public List<Token2WavCall> calls() { return List.copyOf(calls); }

    void recordCall(Token2WavCall call) { calls.add(call); }

    void end(Outcome how, Throwable error) {
        failure = error;
        outcome = how;
        ended.countDown();
    }
}
