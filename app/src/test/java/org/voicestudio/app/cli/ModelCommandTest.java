package org.voicestudio.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.testing.Golden;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ModelCommandTest {
    record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = StudioCommand.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void infoOnTheGoldenFolderPrintsGeometryCountsAndFiles() {
        Run r = run("model", "info", Golden.tinyModel().toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("LLM   Qwen2 2 layers, hidden 64, 4 heads x 16 (2 KV heads), MLP 128, text vocab 1000; speech vocab 6761"), r.out());
        assertTrue(r.out().matches("(?s).*llm\\.pt +1,003,712 = +1\\.00M +float32.*"), r.out());
        assertTrue(r.out().matches("(?s).*flow\\.pt +763,336 = +0\\.76M +float32 +\\(DiT estimator .*"), r.out());
        assertTrue(r.out().matches("(?s).*hift\\.pt +114,627 = +0\\.11M.*"), r.out());
        assertTrue(r.out().matches("(?s).*MISSING +spk2info\\.pt.*"), r.out());
        assertTrue(r.out().matches("(?s).*found +campplus\\.onnx.*"), r.out());
    }

    @Test
    void randomThenInfoRoundTripsATinyFolder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m");
        Run w = run("model", "random", "--geometry", "tiny", "--seed", "5", "--out", out.toString(), "--dtype", "bf16");
        assertEquals(0, w.exit(), w.err());
        assertTrue(Files.isRegularFile(out.resolve("llm.pt")));
        Run r = run("model", "info", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("(?s).*llm\\.pt +1,003,712 = +1\\.00M +bfloat16.*"), r.out());
        assertTrue(r.out().matches("(?s).*MISSING +campplus\\.onnx.*"), r.out());
        assertTrue(r.out().matches("(?s).*MISSING +speech_tokenizer_v3\\.onnx.*"), r.out());
    }

    @Test
    void badArgumentsAndBrokenFoldersGiveClearErrors(@TempDir Path dir) {
        Run g = run("model", "random", "--geometry", "huge", "--out", dir.toString());
        assertNotEquals(0, g.exit());
        assertTrue(g.err().contains("unknown geometry 'huge' (expected tiny, demo or full)"), g.err());
        Run i = run("model", "info", dir.toString());
        assertEquals(2, i.exit());
        assertTrue(i.err().startsWith("error: " + dir + ": missing cosyvoice3.yaml"), i.err());
    }

    @Test
    void theDemoGeometryRoundTripsAndInfoPrintsItsIds(@TempDir Path dir) {
        Path out = dir.resolve("demo");
        Run w = run("model", "random", "--geometry", "demo", "--seed", "2", "--out", out.toString());
        assertEquals(0, w.exit(), w.err());
        Run r = run("model", "info", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Model card: Random CosyVoice3 (demo geometry) (random weights: it does not speak)"), r.out());
        assertTrue(r.out().contains("LLM   Qwen2 6 layers, hidden 256, 4 heads x 64 (2 KV heads), MLP 768, text vocab 1305; speech vocab 712"), r.out());
        assertTrue(r.out().contains("speech tokens: 512 codes; sos 512, eos 513, task_id 514, fill 515; stop ids 512..711"), r.out());
        assertTrue(r.out().contains("text tokenizer: 1305 ids = embedding rows; <|endofprompt|> = 1027"), r.out());
        assertTrue(r.out().contains("Flow  pre-lookahead 256 channels (3 tokens); DiT 6 blocks, dim 192, 3 heads x 64, ff x2"), r.out());
        assertTrue(r.out().contains("HiFT  base 128 channels, upsample [8, 5, 3] x iSTFT hop 4 = 480 samples per mel frame, F0 cond 128"), r.out());
        assertTrue(r.out().matches("(?s).*MISSING +CosyVoice-BlankEN/model\\.safetensors.*"), r.out());
    }
}
