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
        assertTrue(e.stages().contains(Stage.LLM));
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
}
