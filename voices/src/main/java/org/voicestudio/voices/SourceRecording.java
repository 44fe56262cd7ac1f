package org.voicestudio.voices;

import java.util.Arrays;

/**
 * The recording a voice was made from, kept byte for byte so the voice can be re-created (e.g.
 * with a newer speaker encoder) or listened to.
 *
 * @param fileName   the original file name
 * @param sampleRate its sample rate (Hz)
 * @param seconds    its duration
 * @param bytes      the file's bytes
 */
public record SourceRecording(String fileName, int sampleRate, double seconds, byte[] bytes) {
    public SourceRecording {
        bytes = bytes.clone();
    }

    @Override public byte[] bytes() { return bytes.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof SourceRecording s && s.fileName.equals(fileName) && s.sampleRate == sampleRate
                && Double.compare(s.seconds, seconds) == 0 && Arrays.equals(s.bytes, bytes);
    }

    @Override public int hashCode() { return fileName.hashCode() * 31 + Arrays.hashCode(bytes); }

    @Override public String toString() { return "SourceRecording[" + fileName + ", " + sampleRate + " Hz, " + seconds + " s]"; }
}
