package org.voicestudio.inference.loading;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PtReaderTest {

    /** keys.txt: "## file.pt (...)" sections of "key<TAB>[shape]<TAB>dtype" (shared by the loading tests). */
    static Map<String, Map<String, String>> keysTxt() throws Exception {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : Files.readAllLines(Golden.tinyModel().resolve("keys.txt"))) {
            if (line.startsWith("## ")) {
                current = new LinkedHashMap<>();
                out.put(line.substring(3).split(" ")[0], current);
            } else if (current != null && !line.isBlank() && !line.startsWith("#")) {
                String[] f = line.split("\t");
                current.put(f[0], f[1] + " " + f[2]);
            }
        }
        return out;
    }

    static String describe(Tensor t) {
        String dt = switch (t.dtype()) { case F32 -> "float32"; case F64 -> "float64"; case I64 -> "int64"; case I32 -> "int32";
            case BF16 -> "bfloat16"; case F16 -> "float16"; default -> t.dtype().name(); };
        return Arrays.toString(t.shape()) + " " + dt;
    }

    @Test
    void everyKeyShapeAndDtypeOfTheTinyCheckpointsMatchesKeysTxt() throws Exception {
        Map<String, Map<String, String>> expected = keysTxt();
        for (String file : List.of("llm.pt", "flow.pt", "hift.pt")) {
            Map<String, String> want = expected.get(file);
            assertNotNull(want, "keys.txt has a section for " + file);
            try (StateDict sd = PtReader.readStateDict(Golden.tinyModel().resolve(file))) {
                assertEquals(List.copyOf(want.keySet()), List.copyOf(sd.keys()), file + " key order");
                for (String k : sd.keys()) assertEquals(want.get(k), describe(sd.get(k)), file + " " + k);
            }
        }
    }

    @Test
    void tiedLmHeadReadsTheSameValuesAsTheEmbedding() throws Exception {
        try (StateDict sd = PtReader.readStateDict(Golden.tinyModel().resolve("llm.pt"))) {
            assertArrayEquals(sd.get("llm.model.model.embed_tokens.weight").toFloats(), sd.get("llm.model.lm_head.weight").toFloats());
        }
    }

    @Test
    void checkpointEqualsTheSafetensorsCopyOfTheQwenWeights() throws Exception {
        Path dir = Golden.tinyModel();
        try (StateDict pt = PtReader.readStateDict(dir.resolve("llm.pt"));
             StateDict st = SafeTensors.read(dir.resolve("CosyVoice-BlankEN/model.safetensors"))) {
            assertArrayEquals(st.get("model.layers.1.mlp.down_proj.weight").toFloats(),
                    pt.get("llm.model.model.layers.1.mlp.down_proj.weight").toFloats(), 0f);
        }
    }

    // ---- damaged and hostile files -------------------------------------------------------------

    /** A zip with the given pickle as {@code archive/data.pkl} (java.util.zip: a valid container around arbitrary bytes). */
    static Path checkpointWithPickle(Path file, byte[] pickle) throws Exception {
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("archive/data.pkl"));
            zip.write(pickle);
            zip.closeEntry();
            zip.putNextEntry(new java.util.zip.ZipEntry("archive/byteorder"));
            zip.write("little".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        return file;
    }

    /** PROTO 2, GLOBAL module.name, a MARK'ed tuple ('echo pwned',), REDUCE, STOP: what a malicious checkpoint does. */
    private static byte[] pickleCalling(String module, String name) {
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x80, 2, 'c'});
        out.writeBytes((module + "\n" + name + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] arg = "echo pwned".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(new byte[] {'(', 'X', (byte) arg.length, 0, 0, 0});
        out.writeBytes(arg);
        out.writeBytes(new byte[] {'t', 'R', '.'});
        return out.toByteArray();
    }

    @Test
    void aPickleNamingOsSystemIsRefusedByName(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        for (String[] g : new String[][] {{"os", "system"}, {"posix", "system"}, {"builtins", "eval"}}) {
            Path file = checkpointWithPickle(tmp.resolve(g[1] + g[0] + ".pt"), pickleCalling(g[0], g[1]));
            var e = assertThrows(SafeUnpickler.RefusedGlobalException.class, () -> PtReader.read(file));
            assertTrue(e.getMessage().contains("refused to load") && e.getMessage().contains("'" + g[0] + "." + g[1] + "'"), e.getMessage());
            assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        }
    }

    @Test
    void anUnknownPickleOpcodeIsReportedWithItsPosition(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path file = checkpointWithPickle(tmp.resolve("odd.pt"), new byte[] {(byte) 0x80, 2, '}', (byte) 0xfe, '.'});
        var e = assertThrows(java.io.IOException.class, () -> PtReader.read(file));
        assertEquals(file + ": unknown or unsupported pickle opcode 0xfe at byte 3; the file is damaged or not a PyTorch checkpoint", e.getMessage());
    }

    @Test
    void aTruncatedCheckpointIsReportedAsTruncated(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(Golden.tinyModel().resolve("flow.pt"));
        Path file = tmp.resolve("flow.pt");
        Files.write(file, Arrays.copyOf(all, all.length / 2));
        var e = assertThrows(java.io.IOException.class, () -> PtReader.readStateDict(file));
        assertEquals(file + ": not a valid checkpoint archive (no end-of-central-directory record; the file is truncated or is not a zip)", e.getMessage());
    }

    @Test
    void aFlippedBitInAStorageFailsItsCrc(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(Golden.tinyModel().resolve("flow.pt"));
        all[20_000] ^= 0x10; // inside flow/data/0 (input_embedding.weight, bytes 11136..2110656)
        Path file = tmp.resolve("flow.pt");
        Files.write(file, all);
        var e = assertThrows(java.io.IOException.class, () -> PtReader.readStateDict(file));
        assertTrue(e.getMessage().startsWith(file + ": not a valid checkpoint archive (entry 'flow/data/0' fails its CRC-32 check"), e.getMessage());
    }

    @Test
    void aMissingCheckpointIsNamed(@org.junit.jupiter.api.io.TempDir Path tmp) {
        Path file = tmp.resolve("llm.pt");
        var e = assertThrows(java.nio.file.NoSuchFileException.class, () -> PtReader.readStateDict(file));
        assertEquals(file + ": file not found", e.getMessage());
    }
}
