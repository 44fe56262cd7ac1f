package org.voicestudio.app.cli;

import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.pipeline.SpeechTokenSource;
import org.voicestudio.inference.vocoder.Vocoder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One implementation per stage, each loaded from the engine the user picked; closes what it loaded.
 * A stage whose engine id is null is not loaded.
 */
final class StageSet implements AutoCloseable {
    /** The LLM as a step-by-step model (for {@code bench}'s per-step timing); null unless asked for. */
    final SpeechLanguageModel llm;
    /** The LLM stage as the pipeline runs it (local decode loop, or a server); null when llm is set. */
    final SpeechTokenSource tokens;
    final FlowModel flow;
    final Vocoder vocoder;
    final Map<Stage, String> engines;

    private StageSet(SpeechLanguageModel llm, SpeechTokenSource tokens, FlowModel flow, Vocoder vocoder, Map<Stage, String> engines) {
        this.llm = llm;
        this.tokens = tokens;
        this.flow = flow;
        this.vocoder = vocoder;
        this.engines = Map.copyOf(engines);
    }

    /** The stages as the pipeline runs them: the LLM as a token source. */
    static StageSet load(ModelFolder folder, String llmEngine, String flowEngine, String vocoderEngine) throws IOException {
        return load(folder, llmEngine, flowEngine, vocoderEngine, false);
    }

    /** As {@link #load}, but the LLM as a step-by-step model, for per-step timing. */
    static StageSet loadStepwise(ModelFolder folder, String llmEngine, String flowEngine, String vocoderEngine) throws IOException {
        return load(folder, llmEngine, flowEngine, vocoderEngine, true);
    }

    private static StageSet load(ModelFolder folder, String llmEngine, String flowEngine, String vocoderEngine, boolean stepwise)
            throws IOException {
        Map<Stage, String> ids = new EnumMap<>(Stage.class);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            SpeechLanguageModel llm = null;
            SpeechTokenSource tokens = null;
            FlowModel flow = null;
            Vocoder vocoder = null;
            if (llmEngine != null) {
                Engine engine = engine(llmEngine, Stage.LLM);
                if (stepwise) {
                    llm = engine.loadLlm(folder);
                    opened.add(llm);
                } else {
                    tokens = engine.loadTokenSource(folder);
                    opened.add(tokens);
                }
                ids.put(Stage.LLM, llmEngine);
            }
            if (flowEngine != null) {
                flow = engine(flowEngine, Stage.FLOW).loadFlow(folder);
                opened.add(flow);
                ids.put(Stage.FLOW, flowEngine);
            }
            if (vocoderEngine != null) {
                vocoder = engine(vocoderEngine, Stage.VOCODER).loadVocoder(folder);
                opened.add(vocoder);
                ids.put(Stage.VOCODER, vocoderEngine);
            }
            return new StageSet(llm, tokens, flow, vocoder, ids);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : opened.reversed()) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** The engine {@code id}, checked to run {@code stage} and to be usable on this machine. */
    static Engine engine(String id, Stage stage) {
        Engine engine = Engines.require(id);
        if (!engine.stages().contains(stage)) {
            throw new IllegalArgumentException("engine '" + id + "' (" + engine.displayName() + ") does not run the " + stage.label()
                    + " stage; it runs " + engine.stages());
        }
        Availability a = engine.availability();
        if (!a.available()) throw new IllegalStateException("engine '" + id + "' is not available here: " + a.reason());
        return engine;
    }

    @Override
    public void close() {
        if (vocoder != null) vocoder.close();
        if (flow != null) flow.close();
        if (llm != null) llm.close();
        if (tokens != null) tokens.close();
    }
}
