package org.voicestudio.app.ui.engines;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Stage;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineSelectionViewModelTest {
    private static final EngineOption DJL = new EngineOption("djl", "PyTorch (DJL)", Availability.yes("CPU"));
    private static final EngineOption CUDA = new EngineOption("cuda", "CUDA", Availability.no("no NVIDIA GPU found"));
    private static final Map<Stage, List<String>> ALL_STAGES = Map.of(
            Stage.LLM, List.of("djl", "cuda"), Stage.FLOW, List.of("djl", "cuda"), Stage.VOCODER, List.of("djl", "cuda"));

    @Test
    void unavailableEnginesAreListedWithTheirReasonButNeverSelected() {
        EngineSelectionViewModel vm = new EngineSelectionViewModel();
        vm.setEngines(List.of(CUDA, DJL), ALL_STAGES, Map.of(Stage.FLOW, "cuda"));

        assertEquals(List.of(CUDA, DJL), vm.options(Stage.FLOW));
        // the preferred engine cannot run, so the first runnable one is chosen, visibly
        assertEquals(DJL, vm.selectedProperty(Stage.FLOW).get());
        vm.selectedProperty(Stage.FLOW).set(CUDA);
        assertEquals(DJL, vm.selectedProperty(Stage.FLOW).get());
        assertEquals("CUDA — no NVIDIA GPU found", CUDA.label());
        assertEquals(Map.of(Stage.LLM, "djl", Stage.FLOW, "djl", Stage.VOCODER, "djl"), vm.selection().orElseThrow());
        assertEquals("PyTorch", vm.activePresetProperty().get());
    }

    @Test
    void presetsNeedingMissingOrUnavailableEnginesAreDisabledWithReasons() {
        EngineSelectionViewModel vm = new EngineSelectionViewModel();
        vm.setEngines(List.of(DJL, CUDA), ALL_STAGES, Map.of());
        Map<String, EngineSelectionViewModel.PresetOption> byName = new java.util.HashMap<>();
        vm.presets().forEach(p -> byName.put(p.name(), p));

        assertTrue(byName.get("PyTorch").availability().available());
        assertFalse(byName.get("CUDA").availability().available());
        assertEquals("CUDA: no NVIDIA GPU found", byName.get("CUDA").availability().reason());
        assertEquals("the tensorrt engine is not in this build", byName.get("TensorRT").availability().reason());
        assertEquals("the vllm engine is not in this build", byName.get("vLLM").availability().reason());
        assertEquals(List.of(), vm.options(Stage.FLOW).stream().filter(o -> o.id().equals("tensorrt")).toList());
        assertFalse(vm.applyPreset(byName.get("CUDA").preset()));
        assertEquals("djl", vm.selectedProperty(Stage.LLM).get().id());
    }

    @Test
    void aPresetNamingAnEngineForAStageItDoesNotRunSaysSo() {
        EngineSelectionViewModel vm = new EngineSelectionViewModel();
        EngineOption cudaLlmOnly = new EngineOption("cuda", "CUDA", Availability.yes("H200"));
        vm.setEngines(List.of(DJL, cudaLlmOnly), Map.of(Stage.LLM, List.of("djl", "cuda"), Stage.FLOW, List.of("djl"), Stage.VOCODER, List.of("djl")), Map.of());
        EngineSelectionViewModel.PresetOption cuda = vm.presets().stream().filter(p -> p.name().equals("CUDA")).findFirst().orElseThrow();
        assertEquals("CUDA does not run the Flow stage; CUDA does not run the Vocoder stage", cuda.availability().reason());
    }

    @Test
    void aStageWithoutRunnableEngineBlocksSynthesisAndSaysWhy() {
        EngineSelectionViewModel vm = new EngineSelectionViewModel();
        vm.setEngines(List.of(DJL, CUDA), Map.of(Stage.LLM, List.of("djl"), Stage.FLOW, List.of("cuda")), Map.of());

        assertNull(vm.selectedProperty(Stage.FLOW).get());
        assertTrue(vm.selection().isEmpty());
        assertEquals("no engine for the Flow stage can run here ([CUDA — no NVIDIA GPU found]); "
                + "no engine in this build runs the Vocoder stage", vm.missingReason());
    }
}
