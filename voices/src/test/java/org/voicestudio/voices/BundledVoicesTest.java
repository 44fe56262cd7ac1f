package org.voicestudio.voices;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.SpecialTokens;
import org.voicestudio.inference.testing.DemoModels;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Voices a model folder bundles become library voices through the normal voice creation, once. */
class BundledVoicesTest {
    @TempDir static Path model;

    @BeforeAll
    static void write() throws Exception {
        DemoModels.standIn(model, 5);
        DemoModels.addVoice(model, "es-lucia", "Lucía", "es", "Hola, me llamo Lucía.");
        DemoModels.addVoice(model, "en-tom", "Tom", "en", "Hello, my name is Tom.");
    }

    @Test
    void theBundledVoicesAreListedWithTheirNamesAndLanguages() throws Exception {
        List<BundledVoices.Bundled> b = BundledVoices.list(model);
        assertEquals(List.of("en-tom", "es-lucia"), b.stream().map(BundledVoices.Bundled::id).toList());
        assertEquals("Lucía", b.get(1).name());
        assertEquals("es", b.get(1).language());
        assertEquals("Hola, me llamo Lucía.", b.get(1).transcript());
    }

    @Test
    void theyAreMadeOnceWithTheModelsTokenizersAndNotAgainAfterRemoval(@TempDir Path libDir) throws Exception {
        VoiceLibrary lib = new VoiceLibrary(libDir);
        BundledVoices.Outcome first = BundledVoices.addMissing(model, lib);
        assertEquals(List.of("Tom", "Lucía"), first.made(), first.problems().toString());
        assertTrue(first.problems().isEmpty(), first.problems().toString());
        VoiceProfile lucia = lib.get("Lucía").orElseThrow();
        assertEquals("es", lucia.language());
        assertEquals("Hola, me llamo Lucía.", lucia.transcript());
        for (int t : lucia.promptSpeechTokens()) assertTrue(t >= 0 && t < 512, "a code of the 512-code demo model: " + t);
        assertEquals(2 * lucia.promptSpeechTokens().length, lucia.promptMel().frames());
        try (QwenTokenizer tok = QwenTokenizer.forModel(model)) {
            int eop = tok.specialId(SpecialTokens.END_OF_PROMPT).orElseThrow();
            assertTrue(java.util.Arrays.stream(lucia.promptTextIds()).anyMatch(i -> i == eop), "zero-shot prompt text with the model's <|endofprompt|>");
            assertTrue(java.util.Arrays.stream(lucia.promptTextIds()).allMatch(i -> i < tok.size()));
        }

        BundledVoices.Outcome again = BundledVoices.addMissing(model, lib);
        assertEquals(List.of(), again.made());
        assertEquals(List.of("Tom", "Lucía"), again.present());
        lib.remove("Tom");
        assertEquals(List.of(), BundledVoices.addMissing(model, lib).made(), "a bundled voice the user removed is not made again");
        assertTrue(Files.readString(libDir.resolve(BundledVoices.MADE_FILE)).contains("/en-tom"));
        assertEquals(1, lib.list().voices().size());
        assertTrue(lib.list().problems().isEmpty(), "the marker file is not a voice file");
    }

    @Test
    void anIncompleteVoiceFolderIsNamed(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("voices/broken"));
        Files.writeString(dir.resolve("voices/broken/prompt.txt"), "hola");
        var e = assertThrows(java.io.IOException.class, () -> BundledVoices.list(dir));
        assertTrue(e.getMessage().contains("broken") && e.getMessage().contains("prompt.wav"), e.getMessage());
    }
}
