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

    /** keys.txt: "## file.pt (...)" sections of "key<TAB>[shape]<TAB>dtype". */
    private static Map<String, Map<String, String>> keysTxt() throws Exception {
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

    private static String describe(Tensor t) {
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
}
