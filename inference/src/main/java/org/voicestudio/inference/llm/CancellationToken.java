package org.voicestudio.inference.llm;

/**
 * A request to stop a running synthesis. Set from any thread (the UI's cancel button); the
 * worker checks it once per step and stops at the next step boundary.
 */
public final class CancellationToken {
    private volatile boolean cancelled;

    public void cancel() { cancelled = true; }

    public boolean isCancelled() { return cancelled; }
}
