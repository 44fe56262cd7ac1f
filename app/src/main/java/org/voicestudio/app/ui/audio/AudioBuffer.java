package org.voicestudio.app.ui.audio;

import java.util.Arrays;

/**
 * Mono float samples that grow while a synthesis streams and are read by the player, the
 * waveform and the exporters at the same time. Appends come from one pipeline thread; readers see a
 * consistent prefix.
 */
public final class AudioBuffer {
    private final int sampleRate;
    private float[] samples;
    private int length;
    private boolean complete;

    public AudioBuffer(int sampleRate) {
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        this.sampleRate = sampleRate;
        this.samples = new float[sampleRate]; // one second to start with
    }

    /** A finished buffer holding exactly these samples. */
    public static AudioBuffer of(float[] samples, int sampleRate) {
        AudioBuffer b = new AudioBuffer(sampleRate);
        b.append(samples);
        b.complete();
        return b;
    }

    public int sampleRate() { return sampleRate; }

    public synchronized void append(float[] chunk) {
        if (complete) throw new IllegalStateException("audio buffer is complete; cannot append");
        if (length + chunk.length > samples.length) {
            samples = Arrays.copyOf(samples, Math.max(samples.length * 2, length + chunk.length));
        }
        System.arraycopy(chunk, 0, samples, length, chunk.length);
        length += chunk.length;
        notifyAll();
    }

    /** No more samples will come (synthesis finished or was cancelled). */
    public synchronized void complete() {
        complete = true;
        notifyAll();
    }

    public synchronized boolean isComplete() { return complete; }

    public synchronized int length() { return length; }

    public double seconds() { return length() / (double) sampleRate; }

    /** Copies up to {@code n} samples from {@code from} into {@code dst}; returns how many. */
    public synchronized int read(int from, float[] dst, int n) {
        int count = Math.max(0, Math.min(n, length - from));
        if (count > 0) System.arraycopy(samples, from, dst, 0, count);
        return count;
    }

    /**
     * Waits up to {@code millis} for samples beyond {@code from} or for completion.
     * Returns false if interrupted.
     */
    public synchronized boolean awaitBeyond(int from, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        try {
            while (length <= from && !complete) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) break;
                wait(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A copy of every sample so far. */
    public synchronized float[] toArray() { return Arrays.copyOf(samples, length); }
}
