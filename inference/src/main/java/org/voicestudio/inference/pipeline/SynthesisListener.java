package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.metrics.StageEvent;

import java.util.List;

/** What a running synthesis reports, from its worker threads. Implementations must not block. */
public interface SynthesisListener {
    default void onSpeechToken(int token) {}

    default void onStageEvent(StageEvent event) {}

    default void onAudio(AudioChunk chunk) {}

    default void onFinished() {}

    default void onCancelled() {}

    default void onFailed(Throwable error) {}

    /** One listener that tells each of {@code listeners}, in order. */
    static SynthesisListener all(SynthesisListener... listeners) {
        List<SynthesisListener> ls = List.of(listeners);
        return new SynthesisListener() {
            @Override public void onSpeechToken(int token) { ls.forEach(l -> l.onSpeechToken(token)); }
            @Override public void onStageEvent(StageEvent event) { ls.forEach(l -> l.onStageEvent(event)); }
            @Override public void onAudio(AudioChunk chunk) { ls.forEach(l -> l.onAudio(chunk)); }
            @Override public void onFinished() { ls.forEach(SynthesisListener::onFinished); }
            @Override public void onCancelled() { ls.forEach(SynthesisListener::onCancelled); }
            @Override public void onFailed(Throwable error) { ls.forEach(l -> l.onFailed(error)); }
        };
    }
}
