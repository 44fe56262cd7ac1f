package org.voicestudio.engines.cuda;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.engine.Stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs everywhere, CI included: the engine is registered and reports its availability without throwing. */
class CudaEngineTest {

    @Test
    void engineIsFoundThroughServiceLoader() {
        Engine e = Engines.require("cuda");
        assertEquals("CUDA", e.displayName());
        assertEquals(java.util.EnumSet.of(Stage.LLM, Stage.FLOW, Stage.VOCODER), e.stages());
    }

    @Test
    void availabilityNeverThrowsAndExplainsItself() {
        Availability a = new CudaEngine().availability();
        assertNotNull(a.reason());
        assertFalse(a.reason().isBlank());
        if (!a.available()) {
            assertTrue(a.reason().startsWith("no CUDA device") || a.reason().contains("compute capability"), a.reason());
        }
        System.out.println("CUDA engine availability: " + a);
    }

    @Test
    void flowPrecisionPropertyIsParsedWithAClearError() {
        assertEquals(Gemm.Operands.BF16, CudaEngine.flowPrecision("BF16"));
        assertEquals(Gemm.Operands.FP32, CudaEngine.flowPrecision("fp32"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> CudaEngine.flowPrecision("fp8"));
        assertEquals("unknown voicestudio.cuda.flowPrecision 'fp8'; expected fp32 or bf16", e.getMessage());
    }
}
