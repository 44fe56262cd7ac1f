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
    void theVoiceLibraryIsListedAndItsVoicesReachThePipeline(@TempDir Path dir) throws Exception {
        org.voicestudio.voices.VoiceLibrary lib = new org.voicestudio.voices.VoiceLibrary(dir);
        int[] tokens = {1, 2, 3};
        lib.save(new org.voicestudio.voices.VoiceProfile("Ana María", "es", "hola", new int[] {5, 6}, tokens,
                new org.voicestudio.inference.audio.Mel(80, 6, new float[480]), new float[192], java.util.Optional.empty()), false);
        Files.writeString(dir.resolve("broken" + org.voicestudio.voices.VoiceFile.EXTENSION), "not a voice");
        var listing = Inference.voices(dir).list();
        assertEquals(java.util.List.of(new org.voicestudio.app.ui.voices.VoiceItem("Ana María", "Ana María", "es · 0.1 s reference")), listing.voices());
        assertEquals(1, listing.problems().size(), listing.problems().toString());
        assertTrue(listing.problems().getFirst().startsWith("broken"), listing.problems().toString());
        // what the synthesizer asks for a voice id
        var prompt = Inference.voicePrompt(dir, "Ana María");
        assertEquals(3, prompt.promptSpeechTokens().length);
        IOException gone = assertThrows(IOException.class, () -> Inference.voicePrompt(dir, "Bob"));
        assertTrue(gone.getMessage().contains("'Bob' is no longer in the library"), gone.getMessage());
    }

    @Test
    void aModelFolderWithoutATokenizerCannotMakeVoicesAndSaysWhatIsMissing() {
        Path tiny = org.voicestudio.inference.testing.Golden.tinyModel(); // has both ONNX prompt encoders, no tokenizer files
        assertEquals("Making a voice needs a text tokenizer in CosyVoice-BlankEN, which this model folder does not have",
                Inference.voiceMakingProblem(tiny));
    }

    @Test
    void theDemoModelsTextIsSplitByTheOfficialRulesIntoByteIds() {
        var text = new org.voicestudio.app.ui.synthesis.TextIds.DemoBytes();
        var sentences = text.prepare("Hi. " + "This second sentence is long enough to stand on its own as a piece of text. ".repeat(2), "en");
        assertTrue(sentences.size() >= 2, sentences.toString());
        assertEquals('H', sentences.getFirst().ids()[0]);
        for (var s : sentences) for (int id : s.ids()) assertTrue(id >= 0 && id < 256);
    }

    @Test
    void theEnginesOnTheClassPathAreListedForTheirStages() {
        EngineSelectionViewModel.Probe probe = EngineSelectionViewModel.probe(Engines.all());
        assertTrue(probe.stagesById().get(Stage.LLM).contains("djl"), probe.toString());
    }
}
