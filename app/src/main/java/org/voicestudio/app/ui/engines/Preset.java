package org.voicestudio.app.ui.engines;

import org.voicestudio.inference.engine.Stage;

import java.util.Map;

/**
 * A named engine per stage, after the backends of the original CosyVoice benchmark (DESIGN.md
 * "Stages and engines"): PyTorch = every stage on DJL; vLLM = the LLM on a vLLM server, the rest on
 * DJL; TensorRT = the flow estimator on TensorRT (as in the original comparison), the rest on DJL; CUDA = every
 * stage on the CUDA engine.
 */
public record Preset(String name, Map<Stage, String> engineIds) {
    public Preset {
        if (!engineIds.keySet().containsAll(java.util.EnumSet.allOf(Stage.class))) {
            throw new IllegalArgumentException("preset '" + name + "' must name an engine for every stage, got " + engineIds.keySet());
        }
        engineIds = Map.copyOf(engineIds);
    }

    public static final String DJL = "djl", VLLM = "vllm", TENSORRT = "tensorrt", CUDA = "cuda";

    public static java.util.List<Preset> standard() {
        return java.util.List.of(
                new Preset("PyTorch", Map.of(Stage.LLM, DJL, Stage.FLOW, DJL, Stage.VOCODER, DJL)),
                new Preset("vLLM", Map.of(Stage.LLM, VLLM, Stage.FLOW, DJL, Stage.VOCODER, DJL)),
                // as in the original comparison: the flow estimator on TensorRT (its vocoder plan is not an engine stage yet)
                new Preset("TensorRT", Map.of(Stage.LLM, DJL, Stage.FLOW, TENSORRT, Stage.VOCODER, DJL)),
                new Preset("CUDA", Map.of(Stage.LLM, CUDA, Stage.FLOW, CUDA, Stage.VOCODER, CUDA)));
    }
}
