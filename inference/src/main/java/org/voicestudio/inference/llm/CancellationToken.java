package org.voicestudio.inference.llm;

import java.util.function.BooleanSupplier;

/**
 * A request to stop a running synthesis. Set from any thread (the UI's cancel button); the
 * worker checks it once per step and stops at the next step boundary.
 */
public final class CancellationToken implements BooleanSupplier {
    private volatile boolean cancelled;

    public void cancel() { cancelled = true; }

    public boolean isCancelled() { return cancelled; }

    /** Same as {@link #isCancelled()}, so a token can go where a cancellation check is expected. */
    @Override public boolean getAsBoolean() { return cancelled; }
}
