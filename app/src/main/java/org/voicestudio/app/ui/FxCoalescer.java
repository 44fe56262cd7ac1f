package org.voicestudio.app.ui;

import javafx.application.Platform;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns many calls from worker threads into at most one pending {@link Platform#runLater} at a
 * time: synthesis reports tokens and chunks far faster than a screen can show them, and flooding the
 * FX queue would make the window lag behind the audio.
 */
public final class FxCoalescer {
    private final Runnable onFxThread;
    private final AtomicBoolean pending = new AtomicBoolean();

    /** {@code onFxThread} drains whatever the workers queued; it runs on the FX thread. */
    public FxCoalescer(Runnable onFxThread) {
        this.onFxThread = onFxThread;
    }

    /** Callable from any thread; cheap when an update is already pending. */
    public void request() {
        if (pending.compareAndSet(false, true)) {
            Platform.runLater(() -> {
                pending.set(false); // cleared first: work queued while we run schedules another pass
                onFxThread.run();
            });
        }
    }
}
