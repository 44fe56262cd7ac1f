package org.voicestudio.app.cli;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** WAV output of the command line (javax.sound writes files without needing a sound device). */
final class WavFiles {
    private WavFiles() {}

    /**
     * 16-bit PCM mono, converted like the official FastAPI server: {@code (x * 2**15).astype(int16)}
     * (truncation toward zero; samples are within +-0.99 so nothing wraps, but out-of-range input
     * is clamped rather than wrapped).
     */
    static void writePcm16(Path file, float[] samples, int sampleRate) throws IOException {
        byte[] pcm = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            int v = (int) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, (double) samples[i] * 32768.0));
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        AudioFormat format = new AudioFormat(sampleRate, 16, 1, true, false);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm), format, samples.length)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        }
    }
}
