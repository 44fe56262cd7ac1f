package org.voicestudio.app.ui.audio;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.SourceDataLine;
import java.util.Optional;

/**
 * Plays an {@link AudioBuffer} on a {@code javax.sound} line from a thread of its own, starting
 * as soon as samples exist (a streaming synthesis is heard while it is still running). The source
 * can be swapped while playing without moving the playhead, which is what A/B comparison needs.
 * Without an audio device the player still keeps a playhead (seek, switch) but makes no sound,
 * and {@link #deviceProblem()} says why.
 */
public final class Player implements AutoCloseable {
    /** How the player gets a line; the default asks {@link AudioSystem}. */
    @FunctionalInterface
    public interface LineFactory {
        SourceDataLine open(AudioFormat format) throws LineUnavailableException;
    }

    private static final int BLOCK = 1024;          // samples per write: ~43 ms at 24 kHz
    private static final double LINE_SECONDS = 0.12; // line buffer: small, so seeks and A/B switches are heard at once

    private final LineFactory lines;
    private final Thread thread;
    private final Object lock = new Object();
    private AudioBuffer source;
    private int writePos;       // next sample index to hand to the line
    private int seekTo = -1;    // pending seek (sample index), applied by the player thread
    private boolean playing;
    private boolean closed;
    private SourceDataLine line;
    private volatile String deviceProblem;
    private volatile Runnable onStateChange = () -> {};

    public Player() {
        this(Player::systemLine);
    }

    public Player(LineFactory lines) {
        this.lines = lines;
        this.thread = Thread.ofPlatform().daemon().name("studio-player").unstarted(this::loop);
        thread.start();
    }

    private static SourceDataLine systemLine(AudioFormat format) throws LineUnavailableException {
        DataLine.Info info = new DataLine.Info(SourceDataLine.class, format);
        if (!AudioSystem.isLineSupported(info)) throw new LineUnavailableException("no audio output device supports " + format);
        SourceDataLine l = (SourceDataLine) AudioSystem.getLine(info);
        int bytes = (int) (format.getFrameRate() * LINE_SECONDS) * format.getFrameSize();
        l.open(format, bytes);
        return l;
    }

    /** Checks once whether sound can be played at {@code sampleRate}; the answer is kept. */
    public Optional<String> probe(int sampleRate) {
        try {
            SourceDataLine l = lines.open(format(sampleRate));
            l.close();
            deviceProblem = null;
        } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
            deviceProblem = "No audio output device (" + e.getMessage() + "). Playback is off; export still works.";
        }
        return deviceProblem();
    }

    public Optional<String> deviceProblem() { return Optional.ofNullable(deviceProblem); }

    /** Called from the player thread when playback starts or stops on its own (end of audio, device error). */
    public void onStateChange(Runnable r) { onStateChange = r; }

    private static AudioFormat format(int sampleRate) {
        return new AudioFormat(sampleRate, 16, 1, true, false);
    }

    /** Swaps the audio under the playhead; the time position is kept (A/B). */
    public void setSource(AudioBuffer buffer) {
        synchronized (lock) {
            double t = positionSecondsLocked();
            source = buffer;
            seekTo = buffer == null ? 0 : (int) Math.round(t * buffer.sampleRate());
            writePos = seekTo;
            lock.notifyAll();
        }
    }

    public AudioBuffer source() {
        synchronized (lock) { return source; }
    }

    public void play() {
        synchronized (lock) {
            if (source == null) return;
            if (source.isComplete() && writePos >= source.length()) { seekTo = 0; writePos = 0; }
            playing = true;
            lock.notifyAll();
        }
    }

    public void pause() {
        synchronized (lock) {
            double t = positionSecondsLocked();
            playing = false;
            if (source != null) { seekTo = (int) Math.round(t * source.sampleRate()); writePos = seekTo; }
            lock.notifyAll();
        }
    }

    public boolean isPlaying() {
        synchronized (lock) { return playing; }
    }

    public void seek(double seconds) {
        synchronized (lock) {
            if (source == null) return;
            seekTo = (int) Math.round(Math.max(0, seconds) * source.sampleRate());
            writePos = seekTo;
            lock.notifyAll();
        }
    }

    /** Where the listener is now: samples handed to the line minus those still queued in it. */
    public double positionSeconds() {
        synchronized (lock) { return positionSecondsLocked(); }
    }

    private double positionSecondsLocked() {
        if (source == null) return 0;
        int queued = 0;
        if (line != null && playing && seekTo < 0) queued = (line.getBufferSize() - line.available()) / 2;
        return Math.max(0, writePos - queued) / (double) source.sampleRate();
    }

    private void loop() {
        float[] f = new float[BLOCK];
        byte[] pcm = new byte[BLOCK * 2];
        while (true) {
            AudioBuffer src;
            int from;
            synchronized (lock) {
                while (!closed && !(playing && source != null)) {
                    try { lock.wait(); } catch (InterruptedException e) { return; }
                }
                if (closed) return;
                src = source;
                if (seekTo >= 0) {
                    if (line != null) line.flush();
                    writePos = seekTo;
                    seekTo = -1;
                }
                from = writePos;
            }
            if (!ensureLine(src.sampleRate())) {
                // no device: the playhead stays where it is; the UI shows deviceProblem()
                synchronized (lock) { playing = false; }
                onStateChange.run();
                continue;
            }
            int n = src.read(from, f, BLOCK);
            if (n == 0) {
                if (src.isComplete()) {
                    line.drain();
                    synchronized (lock) { if (source == src && seekTo < 0) playing = false; }
                    onStateChange.run();
                } else {
                    src.awaitBeyond(from, 50); // streaming: the next chunk is on its way
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                int v = Math.round(Math.max(-1f, Math.min(1f, f[i])) * 32767f);
                pcm[2 * i] = (byte) v;
                pcm[2 * i + 1] = (byte) (v >> 8);
            }
            line.write(pcm, 0, 2 * n); // blocks while the line is full: this paces playback
            synchronized (lock) {
                if (seekTo < 0 && source == src && writePos == from) writePos = from + n;
            }
        }
    }

    private boolean ensureLine(int sampleRate) {
        if (line != null && line.getFormat().getSampleRate() == sampleRate) return true;
        if (line != null) { line.close(); line = null; }
        try {
            SourceDataLine l = lines.open(format(sampleRate));
            l.start();
            synchronized (lock) { line = l; }
            deviceProblem = null;
            return true;
        } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
            deviceProblem = "No audio output device (" + e.getMessage() + "). Playback is off; export still works.";
            return false;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        thread.interrupt();
        try { thread.join(1000); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        if (line != null) line.close();
    }
}
