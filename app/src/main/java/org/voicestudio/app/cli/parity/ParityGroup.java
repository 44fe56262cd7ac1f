package org.voicestudio.app.cli.parity;

import org.voicestudio.inference.loading.ModelFolder;

/** Recomputes one family of golden tensors ({@code llm_*}, {@code flow_*}, ...) from their recorded inputs. */
public interface ParityGroup {
    /** Short name shown when the group cannot run. */
    String name();

    /** Prefixes of the tensor names this group is responsible for. */
    java.util.List<String> prefixes();

    /**
     * Runs the group, recording comparisons on {@code golden}. Tensors it does not produce stay
     * unrecorded (reported as skipped).
     */
    void run(ModelFolder model, GoldenFixture golden) throws Exception;
}
