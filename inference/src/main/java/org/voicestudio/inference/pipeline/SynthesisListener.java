package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.metrics.StageEvent;

/** What a running synthesis reports, from its worker threads. Implementations must not block. */
public interface SynthesisListener {
    default void onSpeechToken(int token) {}

    default void onStageEvent(StageEvent event) {}

    default void onAudio(AudioChunk chunk) {}

    default void onFinished() {}

    default void onCancelled() {}

    default void onFailed(Throwable error) {}
}
