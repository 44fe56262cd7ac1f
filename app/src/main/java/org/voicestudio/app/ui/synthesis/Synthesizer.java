package org.voicestudio.app.ui.synthesis;

import org.voicestudio.inference.pipeline.SynthesisListener;

/**
 * The one thing the studio's view-models need from inference: run a request through the
 * {@code inference/} pipeline and report to a listener. The studio calls {@link #synthesize} on a
 * worker thread of its own executor, never on the FX thread.
 */
public interface Synthesizer {
    /** Output sample rate of the loaded model (24000 for CosyVoice3). */
    int sampleRate();

    /** Languages the text frontend can normalize; the editor offers these. */
    default java.util.List<String> languages() { return java.util.List.of("en"); }

    /**
     * The sentences {@code text} will be synthesized as (normalized and split as the pipeline will),
     * for the editor to show beneath the text. Called on a worker thread.
     */
    default java.util.List<String> sentences(String text, String language) throws Exception { return java.util.List.of(text.strip()); }

    /**
     * Gets the stages of {@code engines} ready (loads weights on first use). The studio calls it
     * before a synthesis' clock starts, so loading is not counted as synthesis time. Worker thread.
     */
    default void prepare(java.util.Map<org.voicestudio.inference.engine.Stage, String> engines) throws Exception {}

    /**
     * Runs one synthesis to its end, reporting chunks, stage events and tokens to {@code listener}
     * and ending with exactly one of onFinished / onCancelled / onFailed. Blocks the calling thread.
     */
    void synthesize(TakeRequest request, SynthesisListener listener, CancelSignal cancel);
}
