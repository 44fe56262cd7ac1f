package org.voicestudio.app.ui.synthesis;

import java.util.ArrayList;
import java.util.List;

/** Cancel for one synthesis, passed to the {@link Synthesizer}; thread-safe. */
public final class CancelSignal {
    private final List<Runnable> hooks = new ArrayList<>();
    private boolean cancelled;

    public void cancel() {
        List<Runnable> run;
        synchronized (this) {
            if (cancelled) return;
            cancelled = true;
            run = List.copyOf(hooks);
        }
        run.forEach(Runnable::run);
    }

    public synchronized boolean isCancelled() { return cancelled; }

    /** Runs {@code hook} on cancel (at once if already cancelled), e.g. to forward to a pipeline handle. */
    public void onCancel(Runnable hook) {
        synchronized (this) {
            if (!cancelled) { hooks.add(hook); return; }
        }
        hook.run();
    }
}
