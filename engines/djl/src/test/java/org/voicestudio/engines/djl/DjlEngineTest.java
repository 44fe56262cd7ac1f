package org.voicestudio.engines.djl;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DjlEngineTest {
    @Test
    void isFoundThroughServiceLoaderAndAvailableOnThisCpu() {
        Engine engine = Engines.require("djl");
        assertEquals("PyTorch (DJL)", engine.displayName());
        assertEquals(EnumSet.allOf(Stage.class), engine.stages());
        assertTrue(engine.availability().available(), engine.availability().reason());
        assertTrue(engine.availability().reason().contains("PyTorch 2.7.1"), engine.availability().reason());
    }

    @Test
    void loadsTheLlmOfAModelFolder() throws Exception {
        try (ModelFolder folder = ModelFolder.open(Golden.tinyModel());
             SpeechLanguageModel lm = new DjlEngine().loadLlm(folder)) {
            assertEquals(6761, lm.speechVocabSize());
        }
    }
}
