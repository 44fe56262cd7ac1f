package org.voicestudio.inference.loading;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.config.ConfigException;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModelFolderTest {
    private static final String G = ".parametrizations.weight.original0", V = ".parametrizations.weight.original1";

    /** A writable copy of cv3-tiny's model files (not its reference tensors). */
    static Path copyOfTinyModel(Path dir) throws IOException {
        Path src = Golden.tinyModel();
        Files.createDirectories(dir.resolve("CosyVoice-BlankEN"));
        for (String f : List.of("cosyvoice3.yaml", "llm.pt", "flow.pt", "hift.pt", "campplus.onnx", "speech_tokenizer_v3.onnx",
                "CosyVoice-BlankEN/config.json", "CosyVoice-BlankEN/model.safetensors")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private static void rewrite(Path file, java.util.function.Consumer<Map<String, Tensor>> edit) throws IOException {
        Map<String, Tensor> tensors;
        try (StateDict sd = PtReader.readStateDict(file)) {
            tensors = new LinkedHashMap<>();
            sd.asMap().forEach((k, v) -> tensors.put(k, v.copy()));
        }
        edit.accept(tensors);
        PtWriter.writeStateDict(file, tensors);
    }

    private static String openError(Path dir) {
        return assertThrows(IOException.class, () -> ModelFolder.open(dir).close()).getMessage();
    }

    @Test
    void theGoldenFolderOpensAndServesEveryKeyOfKeysTxt() throws Exception {
        Map<String, Map<String, String>> keys = PtReaderTest.keysTxt();
        try (ModelFolder folder = ModelFolder.open(Golden.tinyModel())) {
            assertEquals(64, folder.config().llm().hiddenSize());
            for (var e : Map.of("llm.pt", folder.llmWeights(), "flow.pt", folder.flowWeights()).entrySet()) {
                Map<String, String> got = new LinkedHashMap<>();
                for (String k : e.getValue().keys()) got.put(k, PtReaderTest.describe(e.getValue().get(k)));
                assertEquals(List.copyOf(keys.get(e.getKey()).entrySet()), List.copyOf(got.entrySet()), e.getKey());
            }
            // hift.pt comes fused: X.weight with v's shape in place of X.parametrizations.weight.original0/1
            Map<String, String> fused = new LinkedHashMap<>();
            keys.get("hift.pt").forEach((k, d) -> {
                if (k.endsWith(V)) fused.put(k.substring(0, k.length() - V.length()) + ".weight", d);
                else if (!k.endsWith(G)) fused.put(k, d);
            });
            StateDict hift = folder.hiftWeights();
            Map<String, String> got = new LinkedHashMap<>();
            for (String k : hift.keys()) got.put(k, PtReaderTest.describe(hift.get(k)));
            assertEquals(new java.util.TreeMap<>(fused), new java.util.TreeMap<>(got));
            assertSame(hift, folder.hiftWeights(), "fused once");

            Map<String, Boolean> present = new LinkedHashMap<>();
            for (ModelFolder.FileStatus s : folder.files()) present.put(s.name(), s.present());
            assertEquals(true, present.get("campplus.onnx"));
            assertEquals(false, present.get("spk2info.pt"));
            assertEquals(false, present.get("CosyVoice-BlankEN/vocab.json"));
        }
    }

    @Test
    void theUncheckedConstructorStillReadsLazily() throws Exception {
        try (ModelFolder opened = ModelFolder.open(Golden.tinyModel());
             ModelFolder lazy = new ModelFolder(Golden.tinyModel(), ModelConfigReader.read(Golden.tinyModel()))) {
            String k = "f0_predictor.condnet.0.weight";
            assertArrayEquals(opened.hiftWeights().get(k).toFloats(), lazy.hiftWeights().get(k).toFloats());
            assertEquals(opened.llmWeights().size(), lazy.llmWeights().size());
        }
    }

    @Test
    void aMissingCheckpointIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copyOfTinyModel(tmp);
        Files.delete(dir.resolve("flow.pt"));
        assertEquals(dir + ": missing flow.pt (flow-matching checkpoint (CausalMaskedDiffWithDiT))", openError(dir));
    }

    @Test
    void aMissingKeyIsNamedWithItsFile(@TempDir Path tmp) throws Exception {
        Path dir = copyOfTinyModel(tmp);
        rewrite(dir.resolve("hift.pt"), t -> t.remove("conv_post.bias"));
        String msg = openError(dir);
        assertTrue(msg.contains("hift.pt: missing key 'conv_post.bias' [18]"), msg);
    }

    @Test
    void anUnexpectedKeyIsNamedWithItsFile(@TempDir Path tmp) throws Exception {
        Path dir = copyOfTinyModel(tmp);
        rewrite(dir.resolve("flow.pt"), t -> t.put("decoder.estimator.rand_noise", Tensor.ofFloats(new float[8], 1, 8)));
        String msg = openError(dir);
        assertTrue(msg.contains("flow.pt: unexpected key 'decoder.estimator.rand_noise' [1, 8]"), msg);
    }

    @Test
    void aShapeThatDisagreesWithTheYamlIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copyOfTinyModel(tmp);
        Path yaml = dir.resolve("cosyvoice3.yaml");
        Files.writeString(yaml, Files.readString(yaml).replace("        in_channels: 80\n        channels: 64\n", "        in_channels: 80\n        channels: 32\n"));
        String msg = openError(dir);
        assertTrue(msg.contains("flow.pt: 'pre_lookahead_layer.conv1.weight' has shape [64, 80, 4] but the configuration implies [32, 80, 4]"), msg);
        assertTrue(msg.contains("the checkpoints do not match cosyvoice3.yaml"), msg);
    }

    @Test
    void aMissingYamlValueIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copyOfTinyModel(tmp);
        Path yaml = dir.resolve("cosyvoice3.yaml");
        Files.writeString(yaml, Files.readString(yaml).replace("    nb_harmonics: 8\n", ""));
        var e = assertThrows(ConfigException.class, () -> ModelFolder.open(dir).close());
        assertEquals("cosyvoice3.yaml: hift.nb_harmonics is missing", e.getMessage());
    }

    @Test
    void aDamagedCheckpointIsReportedByOpen(@TempDir Path tmp) throws Exception {
        Path dir = copyOfTinyModel(tmp);
        byte[] llm = Files.readAllBytes(dir.resolve("llm.pt"));
        llm[100_000] ^= 1;
        Files.write(dir.resolve("llm.pt"), llm);
        String msg = openError(dir);
        assertTrue(msg.contains("llm.pt: not a valid checkpoint archive (entry 'llm/data/0' fails its CRC-32 check"), msg);

        byte[] hift = Files.readAllBytes(dir.resolve("hift.pt"));
        Files.write(dir.resolve("llm.pt"), Files.readAllBytes(Golden.tinyModel().resolve("llm.pt")));
        Files.write(dir.resolve("hift.pt"), Arrays.copyOf(hift, hift.length - 30));
        msg = openError(dir);
        assertTrue(msg.contains("hift.pt: not a valid checkpoint archive"), msg);
    }

    @Test
    void aBackboneCopyThatDisagreesIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copyOfTinyModel(tmp);
        Path st = dir.resolve("CosyVoice-BlankEN/model.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (StateDict sd = org.voicestudio.inference.tensor.SafeTensors.read(st)) {
            sd.asMap().forEach((k, v) -> tensors.put(k, v.copy()));
        }
        tensors.remove("model.norm.weight");
        org.voicestudio.inference.tensor.SafeTensors.write(st, tensors, Map.of());
        String msg = openError(dir);
        assertTrue(msg.contains("CosyVoice-BlankEN/model.safetensors: missing key 'model.norm.weight' [64]"), msg);
    }

    @Test
    void aVocoderSavedWithTheGeneratorPrefixLoadsLikeTheOfficialLoader(@TempDir Path tmp) throws Exception {
        Path dir = copyOfTinyModel(tmp);
        rewrite(dir.resolve("hift.pt"), t -> {
            Map<String, Tensor> prefixed = new LinkedHashMap<>();
            t.forEach((k, v) -> prefixed.put("generator." + k, v));
            t.clear();
            t.putAll(prefixed);
        });
        try (ModelFolder folder = ModelFolder.open(dir); ModelFolder golden = ModelFolder.open(Golden.tinyModel())) {
            assertEquals(List.copyOf(golden.hiftWeights().keys()), List.copyOf(folder.hiftWeights().keys()));
            assertArrayEquals(golden.hiftWeights().get("conv_post.weight").toFloats(), folder.hiftWeights().get("conv_post.weight").toFloats());
        }
    }
}
