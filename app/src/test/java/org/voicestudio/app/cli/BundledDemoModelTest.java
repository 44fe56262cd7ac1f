package org.voicestudio.app.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.audio.WavIo;
import org.voicestudio.inference.loading.ModelCard;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.DemoModels;
import org.voicestudio.voices.BundledVoices;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The trained demo model shipped in {@code models/cosyvoice3-demo/} (issue 8), on the CPU: it loads
 * with the same code as the real model, and speaks a short Spanish and English sentence in its
 * bundled voices. Skipped, with the reason, while the folder is not in the repository.
 */
class BundledDemoModelTest {
    /** Quieter than this RMS is silence (16-bit PCM noise floor is ~3e-5; speech is ~1e-2..1e-1). */
    private static final double MIN_RMS = 3e-3;
    /** A short sentence at 25 speech tokens/s: well under 10 s, and more than a stray token or two. */
    private static final double MIN_SECONDS = 0.5, MAX_SECONDS = 10;

    private static Path model;

    /** Each test is skipped with the reason (visible in the report) while the folder is absent. */
    @BeforeEach
    void find() {
        model = DemoModels.bundled().orElse(null);
        Assumptions.assumeTrue(model != null, DemoModels::bundledAbsence);
    }

    @Test
    void itLoadsAndItsCardSaysItIsTrained() throws Exception {
        try (ModelFolder folder = ModelFolder.open(model)) {
            assertEquals(512, folder.config().llm().speechTokenSize());
        }
        ModelCard card = ModelCard.read(model).orElseThrow(() -> new AssertionError(model + " has no " + ModelCard.FILE));
        assertTrue(card.trained(), "the shipped model's card must not say weights: random");
        Cli.Run info = Cli.studio("model", "info", model.toString());
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("<|endofprompt|> = "), info.out());
        assertFalse(BundledVoices.list(model).isEmpty(), "the demo model ships voices");
    }

    @Test
    void itSpeaksSpanishInABundledVoice(@TempDir Path dir) throws Exception {
        speaks(dir, "es", "Hola, buenos días a todos. Son las 3.");
    }

    @Test
    void itSpeaksEnglishInABundledVoice(@TempDir Path dir) throws Exception {
        speaks(dir, "en", "Hello, good morning to everyone.");
    }

    private static void speaks(Path dir, String language, String text) throws Exception {
        List<BundledVoices.Bundled> voices = BundledVoices.list(model);
        BundledVoices.Bundled voice = voices.stream().filter(v -> v.language().equals(language) || v.language().startsWith(language + "-")).findFirst()
                .orElseThrow(() -> new AssertionError("no bundled voice with language " + language + " in " + model.resolve("voices")));
        Path wav = dir.resolve(language + ".wav");
        Cli.Run r = Cli.studio("synth", "--model", model.toString(), "--library", dir.resolve("library").toString(),
                "--voice", voice.name(), "--text", text, "--lang", language, "--out", wav.toString(), "--seed", "1");
        assertEquals(0, r.exit(), r.err() + r.out());
        float[] s = WavIo.read(wav).samples();
        double seconds = s.length / 24000.0, sum = 0;
        for (float x : s) sum += x * x;
        double rms = Math.sqrt(sum / Math.max(1, s.length));
        assertTrue(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS, seconds + " s for \"" + text + "\"");
        assertTrue(rms >= MIN_RMS, "RMS " + rms + ": the audio is silent");
    }
}
