package org.voicestudio.engines.djl;

import org.voicestudio.engines.djl.flow.DjlFlowModel;
import org.voicestudio.engines.djl.llm.DjlSpeechLanguageModel;
import org.voicestudio.engines.djl.vocoder.DjlVocoder;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.vocoder.Vocoder;

import java.util.EnumSet;
import java.util.Set;

/**
 * The reference engine: every stage on PyTorch (libtorch CPU natives) through DJL, float32.
 * Slow but readable and exact; the other engines are checked against it.
 */
public final class DjlEngine implements Engine {

    private volatile Availability availability;

    @Override public String id() { return "djl"; }

    @Override public String displayName() { return "PyTorch (DJL)"; }

    @Override public Set<Stage> stages() { return EnumSet.allOf(Stage.class); }

    /** Loads the PyTorch natives once (the first call may take a second); later calls are free. */
    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) availability = a = probe();
        return a;
    }

    private static Availability probe() {
        try {
            ai.djl.engine.Engine pytorch = ai.djl.engine.Engine.getEngine("PyTorch");
            return Availability.yes("PyTorch " + pytorch.getVersion() + " (DJL " + ai.djl.engine.Engine.getDjlVersion() + ") on CPU");
        } catch (RuntimeException | LinkageError e) {
            // typical: natives missing offline, or a libtorch that does not match the JNI build
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            return Availability.no("PyTorch natives for DJL could not be loaded: " + root.getMessage());
        }
    }

    @Override
    public SpeechLanguageModel loadLlm(ModelFolder model) {
        return new DjlSpeechLanguageModel(model);
    }

    @Override
    public FlowModel loadFlow(ModelFolder model) {
        return new DjlFlowModel(model);
    }

    @Override
    public Vocoder loadVocoder(ModelFolder model) {
        return new DjlVocoder(model);
    }
}
