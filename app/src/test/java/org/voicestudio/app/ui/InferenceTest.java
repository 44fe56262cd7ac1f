package org.voicestudio.app.ui;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.app.ui.engines.EngineSelectionViewModel;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.loading.ModelFolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InferenceTest {
    @Test
    void theDemoModelIsMadeOnceAndPassesTheLoadersChecks(@TempDir Path dir) throws Exception {
        Path demo = dir.resolve("models/cv3-tiny-random");
        Inference.ensureDemo(demo);
        try (ModelFolder m = ModelFolder.open(demo)) {
            assertEquals(24000, m.config().sampleRate());
        }
        assertFalse(Files.exists(dir.resolve("models/cv3-tiny-random.partial")));
        long written = Files.getLastModifiedTime(demo.resolve("llm.pt")).toMillis();
        Inference.ensureDemo(demo); // second run: kept as is
        assertEquals(written, Files.getLastModifiedTime(demo.resolve("llm.pt")).toMillis());
    }

    @Test
    void aFolderThatIsNotAModelIsRefusedWithTheLoadersMessage(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "not a model");
        IOException e = assertThrows(IOException.class, () -> Inference.loader(() -> dir).open(dir));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("llm.pt"), e.getMessage());
    }

    @Test
    void theEnginesOnTheClassPathAreListedForTheirStages() {
        EngineSelectionViewModel.Probe probe = EngineSelectionViewModel.probe(Engines.all());
        assertTrue(probe.stagesById().get(Stage.LLM).contains("djl"), probe.toString());
    }
}
