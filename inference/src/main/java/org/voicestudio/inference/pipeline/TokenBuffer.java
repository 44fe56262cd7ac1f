package org.voicestudio.inference.pipeline;

import java.util.Arrays;

/**
 * The speech tokens of one request as the LLM thread hands them to the token2wav thread: append
 * only, with a wait for "at least n tokens, or the end" instead of the official 100 ms polling,
 * and a count of chunks already turned into audio (for the pipeline without overlap).
 */
final class TokenBuffer {
    private int[] tokens = new int[256];
    private int size;
    private boolean done;
    private boolean cancelled;
    private Throwable failure;
    private int synthesized;   // chunks whose audio is out

    /** What a waiter sees when it wakes up. */
    record View(int available, boolean done, boolean cancelled, Throwable failure) {}

    synchronized void add(int token) {
        if (done) throw new IllegalStateException("token after the end of generation");
        if (size == tokens.length) tokens = Arrays.copyOf(tokens, size * 2);
        tokens[size++] = token;
        notifyAll();
    }

    /** No more tokens will come (the LLM ended, failed or was stopped). */
    synchronized void finish() {
        done = true;
        notifyAll();
    }

    /** Generation failed: no more tokens, and the tokens so far must not be synthesized. */
    synchronized void fail(Throwable error) {
        if (failure == null) failure = error;
        done = true;
        notifyAll();
    }

    synchronized void cancel() {
        cancelled = true;
        notifyAll();
    }

    synchronized boolean isCancelled() { return cancelled; }

    /** Blocks until {@code needed} tokens are there, generation has ended, or the request was cancelled. */
    synchronized View await(int needed) throws InterruptedException {
        while (size < needed && !done && !cancelled) wait();
        return new View(size, done, cancelled, failure);
    }

    synchronized int size() { return size; }

    /** The vocoder side has put out the audio of {@code chunks} chunks. */
    synchronized void synthesized(int chunks) {
        synthesized = Math.max(synthesized, chunks);
        notifyAll();
    }

    /**
     * Blocks until the audio of {@code chunks} chunks is out or the request was cancelled (the LLM's
     * wait at a chunk boundary when stages must not overlap).
     */
    synchronized void awaitSynthesized(int chunks) throws InterruptedException {
        while (synthesized < chunks && !cancelled) wait();
    }

    /** The first {@code n} tokens. */
    synchronized int[] prefix(int n) {
        if (n > size) throw new IllegalArgumentException(n + " tokens asked, " + size + " available");
        return Arrays.copyOf(tokens, n);
    }
}
