package org.voicestudio.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.voices.VoiceLibrary;
import org.voicestudio.voices.VoiceProfile;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class TextAndVoicesCommandTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = StudioCommand.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static VoiceProfile goldenVoice(String name) {
        Tensor feat = Golden.tensor("flow_prompt_feat");
        return new VoiceProfile(name, "es", "Hola a todos.", Golden.tensor("llm_prompt_text").toInts(), Golden.tensor("flow_prompt_token").toInts(),
                Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)), Golden.tensor("flow_embedding").toFloats(), Optional.empty());
    }

    @Test
    void textPrintsTheNormalizationInTheTextsLanguage() {
        Run r = run("text", "--lang", "es", "Tengo", "23", "años", "y", "3,50", "€.");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("normalized: Tengo veintitrés años y tres euros con cincuenta céntimos."), r.out());
        assertTrue(r.out().contains("--model"), "says how to get token ids: " + r.out());
        Run bad = run("text", "--lang", "xx", "hola");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("no text rules for language 'xx'"), bad.err());
    }

    @Test
    void voicesListAndRemove(@TempDir Path dir) throws Exception {
        assertTrue(run("voices", "list", "--library", dir.toString()).out().contains("no voices"));
        VoiceLibrary lib = new VoiceLibrary(dir);
        lib.save(goldenVoice("Ana"), false);
        Files.write(dir.resolve("broken.voice"), new byte[] {9, 9, 9});
        Run list = run("voices", "--library", dir.toString(), "list");
        assertEquals(0, list.code());
        assertTrue(list.out().contains("Ana") && list.out().contains("0.5 s") && list.out().contains("Hola a todos."), list.out());
        assertTrue(list.err().contains("skipped broken.voice"), list.err());
        assertEquals(0, run("voices", "remove", "--library", dir.toString(), "Ana").code());
        Run again = run("voices", "remove", "--library", dir.toString(), "Ana");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("no voice named 'Ana'"), again.err());
    }

    @Test
    void voicesExportThenImportRoundTrips(@TempDir Path dir) throws Exception {
        Path lib = dir.resolve("lib"), other = dir.resolve("other"), pt = dir.resolve("spk2info.pt");
        new VoiceLibrary(lib).save(goldenVoice("Ana"), false);
        Run export = run("voices", "export", "--library", lib.toString(), "Ana", "--out", pt.toString());
        assertEquals(0, export.code(), export.err());
        Run imp = run("voices", "import", "--library", other.toString(), "--lang", "es", pt.toString());
        assertEquals(0, imp.code(), imp.err());
        assertTrue(imp.out().contains("imported Ana"), imp.out());
        VoiceProfile back = new VoiceLibrary(other).get("Ana").orElseThrow();
        assertArrayEquals(goldenVoice("Ana").promptSpeechTokens(), back.promptSpeechTokens());
        assertEquals("es", back.language());
        Run again = run("voices", "import", "--library", other.toString(), pt.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already exists"), again.err());
        Run missing = run("voices", "export", "--library", lib.toString(), "Nadie", "--out", pt.toString());
        assertTrue(missing.err().contains("no voice named 'Nadie'"), missing.err());
    }
}
