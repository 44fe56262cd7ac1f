package org.voicestudio.inference.engine;

import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.pipeline.SpeechTokenSource;
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

    /**
     * The LLM stage as a stream of speech tokens, closed by the caller. By default the engine's
     * {@link #loadLlm model} under the official decode loop ({@link SpeechTokenSource#llm}); an
     * engine that decodes elsewhere (a server) overrides this instead of {@link #loadLlm}.
     */
    default SpeechTokenSource loadTokenSource(ModelFolder model) throws IOException {
        SpeechLanguageModel lm = loadLlm(model);
        SpeechTokenSource decode = SpeechTokenSource.llm(lm, model.config());
        return new SpeechTokenSource() {
            @Override
            public void generate(int[] promptTextIds, int[] textIds, int[] promptSpeechTokens, long seed, TokenSink sink,
                                 java.util.function.Consumer<org.voicestudio.inference.metrics.StageEvent> steps,
                                 java.util.function.BooleanSupplier cancelled) throws Exception {
                decode.generate(promptTextIds, textIds, promptSpeechTokens, seed, sink, steps, cancelled);
            }

            @Override
            public void close() { lm.close(); }
        };
    }

    default FlowModel loadFlow(ModelFolder model) throws IOException {
        throw new UnsupportedOperationException(displayName() + " does not run the flow stage");
    }

    default Vocoder loadVocoder(ModelFolder model) throws IOException {
        throw new UnsupportedOperationException(displayName() + " does not run the vocoder stage");
    }
}
