package org.voicestudio.inference.pipeline;

import java.util.ArrayList;
import java.util.List;

/** A listener that keeps every audio chunk and the tokens, for callers that want the whole take. */
public final class AudioRecorder implements SynthesisListener {
    private final List<AudioChunk> chunks = new ArrayList<>();
    private int[] tokens = new int[64];
    private int tokenCount;

    @Override
    public synchronized void onSpeechToken(int token) {
        if (tokenCount == tokens.length) tokens = java.util.Arrays.copyOf(tokens, 2 * tokenCount);
        tokens[tokenCount++] = token;
    }

    @Override public synchronized void onAudio(AudioChunk chunk) { chunks.add(chunk); }

    public synchronized List<AudioChunk> chunks() { return List.copyOf(chunks); }

    /** The speech tokens passed on to the flow, in order (after CosyVoice3's silent-token throttle). */
    public synchronized int[] tokens() { return java.util.Arrays.copyOf(tokens, tokenCount); }

    /** All chunks' samples, in order. */
    public synchronized float[] samples() {
        int n = chunks.stream().mapToInt(c -> c.samples().length).sum();
        float[] out = new float[n];
        int at = 0;
        for (AudioChunk c : chunks) {
            System.arraycopy(c.samples(), 0, out, at, c.samples().length);
            at += c.samples().length;
        }
        return out;
    }
}
