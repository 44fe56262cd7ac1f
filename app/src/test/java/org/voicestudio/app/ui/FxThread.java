package org.voicestudio.app.ui;

import javafx.application.Platform;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Runs view-model code on the FX thread in tests (headless Monocle, see the app pom). */
public final class FxThread {
    private FxThread() {}

    public static synchronized void start() {
        try {
            CountDownLatch up = new CountDownLatch(1);
            Platform.startup(up::countDown);
            up.await(10, TimeUnit.SECONDS);
        } catch (IllegalStateException alreadyRunning) {
            // started by an earlier test in this JVM
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Platform.setImplicitExit(false);
    }

    public static <T> T call(Callable<T> c) {
        FutureTask<T> t = new FutureTask<>(c);
        Platform.runLater(t);
        try {
            return t.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("FX call failed", e.getCause() != null ? e.getCause() : e);
        }
    }

    public static void run(Runnable r) {
        call(() -> { r.run(); return null; });
    }

    /** Polls {@code condition} on the FX thread until true or the timeout. */
    public static void await(BooleanSupplier condition, long millis, String what) {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (call(condition::getAsBoolean)) return;
            try { Thread.sleep(20); } catch (InterruptedException e) { throw new AssertionError(e); }
        }
        throw new AssertionError("timed out after " + millis + " ms waiting for " + what);
    }
}
