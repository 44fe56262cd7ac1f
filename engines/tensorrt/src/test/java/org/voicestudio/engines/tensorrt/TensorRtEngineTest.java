package org.voicestudio.engines.tensorrt;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.ServiceLoader;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class TensorRtEngineTest {

    @Test
    void registeredAsTheFlowStageEngine() {
        Engine e = ServiceLoader.load(Engine.class).stream().map(ServiceLoader.Provider::get).filter(x -> x.id().equals("tensorrt"))
                .findFirst().orElseThrow(() -> new AssertionError("tensorrt is not in META-INF/services"));
        assertEquals(Set.of(Stage.FLOW), e.stages());
        assertEquals("TensorRT", e.displayName());
    }

    @Test
    void missingLibraryIsReportedWithTheLoadersOwnMessage() {
        String r = TensorRtLibrary.reason(new UnsatisfiedLinkError("libnvinfer.so.10: cannot open shared object file"));
        assertTrue(r.startsWith(TensorRtLibrary.NOT_FOUND), r);
        assertTrue(r.contains("libnvinfer.so.10: cannot open shared object file"), r);
        String wrapped = TensorRtLibrary.reason(new ExceptionInInitializerError(new UnsatisfiedLinkError("no jninvinfer")));
        assertTrue(wrapped.startsWith(TensorRtLibrary.NOT_FOUND) && wrapped.contains("no jninvinfer"), wrapped);
        String gpu = TensorRtLibrary.reason(new IllegalStateException("no CUDA GPU visible"));
        assertTrue(gpu.startsWith("TensorRT cannot run here") && gpu.contains("no CUDA GPU visible"), gpu);
    }

    @Test
    void availabilityLoadsTheLibraryOrSaysWhyNot() {
        Availability a = new TensorRtEngine().availability();
        if (a.available()) {
            assertTrue(a.reason().startsWith("TensorRT 1"), a.reason());
        } else {
            // every machine of this project: no libnvinfer.so.10
            assertTrue(a.reason().startsWith(TensorRtLibrary.NOT_FOUND) || a.reason().startsWith("TensorRT cannot run here"), a.reason());
            assertTrue(a.reason().contains("("), "the underlying error is included: " + a.reason());
        }
    }

    @Test
    void loadFlowWithoutTensorRtFailsWithTheReason() throws IOException {
        TensorRtEngine engine = new TensorRtEngine();
        assumeFalse(engine.availability().available(), "TensorRT is installed here");
        try (ModelFolder folder = ModelFolder.open(Golden.tinyModel())) {
            IOException e = assertThrows(IOException.class, () -> engine.loadFlow(folder));
            assertEquals(engine.availability().reason(), e.getMessage());
        }
    }

    @Test
    void versionNumberIsMajorMinorPatch() {
        assertEquals("10.15.1", TensorRtLibrary.versionString(101501));
        assertEquals("11.2.0", TensorRtLibrary.versionString(110200));
    }

    @Test
    void bf16WeightsRoundToNearestEven() {
        assertEquals((short) 0x3F80, TensorRtNetworkBuilder.toBf16(1.0f));
        assertEquals((short) 0x3F80, TensorRtNetworkBuilder.toBf16(Float.intBitsToFloat(0x3F808000)));   // tie -> even
        assertEquals((short) 0x3F82, TensorRtNetworkBuilder.toBf16(Float.intBitsToFloat(0x3F818000)));   // tie -> even (up)
        assertEquals((short) 0x3F81, TensorRtNetworkBuilder.toBf16(Float.intBitsToFloat(0x3F808001)));
    }
}
