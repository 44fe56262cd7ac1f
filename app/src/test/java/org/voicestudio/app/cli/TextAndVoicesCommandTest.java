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

    /** A toy byte-level BPE folder (vocab.json of the 256 byte symbols, no merges): ids are bytes. */
    private static Path byteLevelTokenizer(Path dir) throws Exception {
        StringBuilder vocab = new StringBuilder("{");
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            int cp = printable ? b : 256 + extra++;
            String sym = new String(Character.toChars(cp));
            if (sym.equals("\"") || sym.equals("\\")) sym = "\\" + sym;
            vocab.append(b == 0 ? "" : ",").append('"').append(sym).append("\":").append(b);
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vocab.json"), vocab.append('}'));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        return dir;
    }

    @Test
    void voicesAddCreatesAVoiceFromARecording(@TempDir Path dir) throws Exception {
        float[] chirp = Golden.tensor("fe_wave_24k").toFloats();
        float[] fourSeconds = new float[chirp.length * 4];
        for (int k = 0; k < 4; k++) System.arraycopy(chirp, 0, fourSeconds, k * chirp.length, chirp.length);
        Path wav = dir.resolve("take.wav"), lib = dir.resolve("lib");
        org.voicestudio.inference.audio.WavIo.writePcm16(wav, 24000, fourSeconds);
        Path tok = byteLevelTokenizer(dir.resolve("tok"));
        Run add = run("voices", "add", "--library", lib.toString(), "--model", Golden.tinyModel().toString(), "--tokenizer", tok.toString(),
                "--wav", wav.toString(), "--text", "Hola.", "--name", "Chirp", "--lang", "es");
        assertEquals(0, add.code(), add.err());
        assertTrue(add.out().contains("added Chirp") && add.out().contains("take.wav"), add.out());
        VoiceProfile v = new VoiceLibrary(lib).get("Chirp").orElseThrow();
        assertEquals("Hola.", v.transcript());
        assertEquals(2 * v.promptSpeechTokens().length, v.promptMel().frames());
        int[] ids = v.promptTextIds();
        assertEquals("You are a helpful assistant.".length() + 1 + "Hola.".length(), ids.length, "bytes + one <|endofprompt|>");
        assertEquals(256 + 3, ids["You are a helpful assistant.".length()], "<|endofprompt|> follows the toy vocabulary's 3 Qwen specials");

        Path pt = dir.resolve("spk2info.pt"), other = dir.resolve("other");
        assertEquals(0, run("voices", "export", "--library", lib.toString(), "Chirp", "--out", pt.toString()).code());
        Run imp = run("voices", "import", "--library", other.toString(), "--tokenizer", tok.toString(), pt.toString());
        assertEquals(0, imp.code(), imp.err());
        assertEquals("Hola.", new VoiceLibrary(other).get("Chirp").orElseThrow().transcript(), "transcript decoded after <|endofprompt|>");

        org.voicestudio.inference.audio.WavIo.writePcm16(wav, 24000, chirp);
        Run tooShort = run("voices", "add", "--library", lib.toString(), "--model", Golden.tinyModel().toString(), "--tokenizer", tok.toString(),
                "--wav", wav.toString(), "--text", "Hola.", "--name", "Short");
        assertEquals(2, tooShort.code());
        assertTrue(tooShort.err().contains("take.wav is 1.3 s long; a voice needs 3-30 s"), tooShort.err());
        Run dup = run("voices", "add", "--library", lib.toString(), "--model", Golden.tinyModel().toString(),
                "--wav", wav.toString(), "--text", "Hola.", "--name", "Chirp");
        assertTrue(dup.err().contains("already exists"), dup.err());
    }
}
