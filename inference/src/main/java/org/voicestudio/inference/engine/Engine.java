package org.voicestudio.inference.engine;

import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.vocoder.Vocoder;

import java.io.IOException;
import java.util.Set;

/**
 * An inference engine: a way to run some of the stages. Engines are found with
 * {@link java.util.ServiceLoader} (each engine module lists its implementation in
 * {@code META-INF/services/org.voicestudio.inference.engine.Engine}), so {@code inference}
 * never depends on an engine.
 */
public interface Engine {
    /** Stable id used on the command line and in settings: "djl", "cuda", ... */
    String id();

    /** Name shown to users: "PyTorch (DJL)", "CUDA", ... */
    String displayName();

    Set<Stage> stages();

    /** Checked without loading a model; cheap enough to call when a menu opens. */
    Availability availability();

    default SpeechLanguageModel loadLlm(ModelFolder model) throws IOException {
        throw new UnsupportedOperationException(displayName() + " does not run the LLM stage");
    }

    default FlowModel loadFlow(ModelFolder model) throws IOException {
        throw new UnsupportedOperationException(displayName() + " does not run the flow stage");
    }

    default Vocoder loadVocoder(ModelFolder model) throws IOException {
        throw new UnsupportedOperationException(displayName() + " does not run the vocoder stage");
    }
}
