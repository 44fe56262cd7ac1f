package org.voicestudio.inference.loading;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RandomModelTest {

    /** Sample statistics of a few thousand draws: 10 % on a standard deviation is far outside their spread. */
    private static final double STD_REL_TOL = 0.1;

    private static double std(float[] v) {
        double s = 0, s2 = 0;
        for (float x : v) { s += x; s2 += x * x; }
        double m = s / v.length;
        return Math.sqrt(s2 / v.length - m * m);
    }

    private static void assertWithin(float[] v, double lo, double hi, String what) {
        for (float x : v) assertTrue(x >= lo && x <= hi, what + ": " + x + " outside [" + lo + ", " + hi + "]");
    }

    @Test
    void inMemoryStateDictHoldsTheValuesTheWrittenFileHolds(@TempDir Path dir) throws Exception {
        var config = RandomModel.write(dir, RandomModel.Geometry.TINY, 9, DType.F32);
        CheckpointLayout.FileLayout hift = CheckpointLayout.of(config).hift();
        try (StateDict written = PtReader.readStateDict(dir.resolve("hift.pt")); StateDict memory = RandomModel.stateDict(hift, 9)) {
            assertEquals(List.copyOf(written.keys()), List.copyOf(memory.keys()));
            for (String k : written.keys()) {
                assertArrayEquals(written.get(k).shape(), memory.get(k).shape(), k);
                assertArrayEquals(written.get(k).toFloats(), memory.get(k).toFloats(), 0f, k);
            }
        }
    }

    @Test
    void aTinyRandomFolderOpensWithTheGoldenKeysAndShapes(@TempDir Path dir) throws Exception {
        RandomModel.write(dir, RandomModel.Geometry.TINY, 7, DType.F32);
        Map<String, Map<String, String>> keys = PtReaderTest.keysTxt();
        try (ModelFolder folder = ModelFolder.open(dir)) {
            for (String file : List.of("llm.pt", "flow.pt", "hift.pt")) {
                try (StateDict sd = PtReader.readStateDict(dir.resolve(file))) {
                    Map<String, String> got = new LinkedHashMap<>();
                    for (String k : sd.keys()) got.put(k, PtReaderTest.describe(sd.get(k)));
                    assertEquals(List.copyOf(keys.get(file).entrySet()), List.copyOf(got.entrySet()), file);
                }
            }
            StateDict llm = folder.llmWeights();
            assertArrayEquals(llm.get("llm.model.model.embed_tokens.weight").toFloats(), llm.get("llm.model.lm_head.weight").toFloats(), "tied head");
            try (StateDict st = SafeTensors.read(dir.resolve("CosyVoice-BlankEN/model.safetensors"))) {
                assertEquals(26, st.size());
                for (String k : st.keys()) assertEquals(-1, st.get(k).data().mismatch(llm.get("llm.model." + k).data()), k);
            }
            Map<String, Boolean> present = new LinkedHashMap<>();
            for (ModelFolder.FileStatus s : folder.files()) present.put(s.name(), s.present());
            assertEquals(false, present.get("campplus.onnx"));
            assertEquals(false, present.get("speech_tokenizer_v3.onnx"));
        }
        String readme = Files.readString(dir.resolve("MODEL_CARD.md"));
        assertTrue(readme.contains("campplus.onnx") && readme.contains("speech_tokenizer_v3.onnx") && readme.contains("cannot be generated"));
        ModelCard card = ModelCard.read(dir).orElseThrow();
        assertFalse(card.trained(), "a random folder's card says so");
        assertEquals("Random CosyVoice3 (tiny geometry)", card.name());
        String yaml = Files.readString(dir.resolve("cosyvoice3.yaml"));
        String golden = Files.readString(Golden.tinyModel().resolve("cosyvoice3.yaml"));
        assertEquals(golden.substring(golden.indexOf("# set random seed")), yaml.substring(yaml.indexOf("# set random seed")),
                "the tiny geometry's yaml is the fixture's, apart from the header comment");
    }

    @Test
    void weightsAreDeterministicPerSeedAndSensiblyScaled(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), c = tmp.resolve("c");
        RandomModel.write(a, RandomModel.Geometry.TINY, 7, DType.F32);
        RandomModel.write(b, RandomModel.Geometry.TINY, 7, DType.F32);
        RandomModel.write(c, RandomModel.Geometry.TINY, 8, DType.F32);
        for (String f : List.of("llm.pt", "flow.pt", "hift.pt")) {
            assertEquals(-1, Files.mismatch(a.resolve(f), b.resolve(f)), f + " is the same for the same seed");
            assertNotEquals(-1, Files.mismatch(a.resolve(f), c.resolve(f)), f + " differs for another seed");
        }
        try (ModelFolder m = ModelFolder.open(a)) {
            StateDict llm = m.llmWeights(), flow = m.flowWeights();
            assertEquals(0.02, std(llm.get("llm.model.model.layers.0.mlp.up_proj.weight").toFloats()), 0.02 * STD_REL_TOL);
            assertEquals(1.0, std(llm.get("speech_embedding.weight").toFloats()), STD_REL_TOL);
            assertWithin(llm.get("llm.model.model.norm.weight").toFloats(), 0.8, 1.2, "RMSNorm weight");
            assertWithin(llm.get("llm_decoder.weight").toFloats(), -1 / 8.0, 1 / 8.0, "U(±1/sqrt(64))");
            assertEquals(1 / Math.sqrt(3 * 64), std(flow.get("decoder.estimator.transformer_blocks.0.attn.to_q.weight").toFloats()),
                    STD_REL_TOL / Math.sqrt(3 * 64));
            try (StateDict hift = PtReader.readStateDict(a.resolve("hift.pt"))) {
                assertWithin(hift.get("conv_post.parametrizations.weight.original0").toFloats(), 0.45, 0.70, "weight-norm gain");
                assertWithin(hift.get("resblocks.4.activations2.1.alpha").toFloats(), 0.5, 1.5, "Snake alpha");
            }
        }
    }

    @Test
    void aFolderThatIsNotEmptyIsNotOverwrittenUnlessAsked(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("llm.pt"), "a real model");
        var e = assertThrows(java.io.IOException.class, () -> RandomModel.write(dir, RandomModel.Geometry.TINY, 1, DType.F32));
        assertTrue(e.getMessage().startsWith(dir + " is not empty"), e.getMessage());
        assertEquals("a real model", Files.readString(dir.resolve("llm.pt")));
        List<String> progress = new java.util.ArrayList<>();
        RandomModel.write(dir, RandomModel.Geometry.TINY, 1, DType.F32, true, progress::add);
        assertEquals(List.of("llm.pt", "flow.pt", "hift.pt", "CosyVoice-BlankEN/model.safetensors"), progress);
        ModelFolder.open(dir).close();
    }

    @Test
    void rotaryFrequenciesEqualTheOnesTorchStored() throws Exception {
        try (StateDict golden = PtReader.readStateDict(Golden.tinyModel().resolve("flow.pt"))) {
            float[] want = golden.get("decoder.estimator.rotary_embed.inv_freq").toFloats();
            var init = new CheckpointLayout.Init.RopeInvFreq(16, 10000);
            for (int i = 0; i < want.length; i++) assertEquals(want[i], RandomModel.ropeInvFreq(init, i), 0f, "inv_freq[" + i + "]");
        }
    }

    @Test
    void bf16FoldersHoldTheRoundedValuesOfTheFloat32Ones(@TempDir Path tmp) throws Exception {
        Path f32 = tmp.resolve("f32"), bf16 = tmp.resolve("bf16");
        RandomModel.write(f32, RandomModel.Geometry.TINY, 3, DType.F32);
        RandomModel.write(bf16, RandomModel.Geometry.TINY, 3, DType.BF16);
        assertTrue(Files.readString(bf16.resolve("CosyVoice-BlankEN/config.json")).contains("\"torch_dtype\": \"bfloat16\""));
        try (ModelFolder a = ModelFolder.open(f32); ModelFolder b = ModelFolder.open(bf16)) {
            String k = "decoder.estimator.transformer_blocks.1.ff.ff.2.weight";
            assertEquals(DType.BF16, b.flowWeights().get(k).dtype());
            assertEquals(DType.BF16, b.llmWeights().get("speech_embedding.weight").dtype());
            assertEquals(DType.F32, b.hiftWeights().get("conv_pre.weight").dtype(), "hift.pt stays float32");
            float[] full = a.flowWeights().get(k).toFloats();
            float[] half = b.flowWeights().get(k).toFloats();
            for (int i = 0; i < full.length; i++) {
                float rounded = Float.intBitsToFloat((RandomModel.bf16(full[i]) & 0xffff) << 16);
                assertEquals(rounded, half[i], 0f);
                assertEquals(full[i], half[i], Math.abs(full[i]) / 256, "bf16 keeps 8 bits of mantissa");
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3f80, RandomModel.bf16(1f));
        assertEquals((short) 0x3f80, RandomModel.bf16(Float.intBitsToFloat(0x3f808000)), "tie goes to the even 0x3f80");
        assertEquals((short) 0x3f82, RandomModel.bf16(Float.intBitsToFloat(0x3f818000)), "tie goes to the even 0x3f82");
        assertEquals((short) 0x3f81, RandomModel.bf16(Float.intBitsToFloat(0x3f808001)));
    }

    @Test
    void theDemoGeometryHasTheContractSizesAndLoadsWithoutAnHfCopy(@TempDir Path dir) throws Exception {
        List<String> progress = new java.util.ArrayList<>();
        RandomModel.write(dir, RandomModel.Geometry.DEMO, 1, DType.F32, false, progress::add);
        assertEquals(List.of("CosyVoice-BlankEN/vocab.json", "llm.pt", "flow.pt", "hift.pt"), progress);
        assertFalse(Files.exists(dir.resolve("CosyVoice-BlankEN/model.safetensors")), "the shipped layout has no HF copy");
        try (ModelFolder folder = ModelFolder.open(dir)) {
            var c = folder.config();
            var l = c.llm();
            assertEquals(List.of(256, 6, 4, 2, 64, 768), List.of(l.hiddenSize(), l.numLayers(), l.numHeads(), l.numKvHeads(), l.headDim(), l.intermediateSize()));
            assertEquals(List.of(512, 712, 512, 513, 514, 515), List.of(l.speechTokenSize(), l.speechVocabSize(), l.sosId(), l.eosId(), l.taskId(), l.fillId()));
            assertEquals(1024 + 3 + 278, l.textVocabSize());
            var f = c.flow();
            assertEquals(List.of(512, 80, 256, 3, 192, 6, 3, 64, 2, 50), List.of(f.vocabSize(), f.outputSize(), f.preLookaheadChannels(), f.preLookaheadLen(),
                    f.ditDim(), f.ditDepth(), f.ditHeads(), f.ditDimHead(), f.ditFfMult(), f.staticChunkSize()));
            var h = c.hift();
            assertEquals(List.of(128, 128, 8, 16, 4, 480), List.of(h.baseChannels(), h.f0CondChannels(), h.nbHarmonics(), h.istftNFft(), h.istftHopLen(), h.samplesPerFrame()));
            StateDict llm = folder.llmWeights();
            assertArrayEquals(new long[] {712, 256}, llm.get("speech_embedding.weight").shape());
            assertArrayEquals(new long[] {712, 256}, llm.get("llm_decoder.weight").shape());
            assertArrayEquals(new long[] {1305, 256}, llm.get("llm.model.model.embed_tokens.weight").shape());
            assertArrayEquals(new long[] {512, 80}, folder.flowWeights().get("input_embedding.weight").shape());
        }
        ModelCard card = ModelCard.read(dir).orElseThrow();
        assertFalse(card.trained());
        assertTrue(Files.readString(dir.resolve("CosyVoice-BlankEN/config.json")).contains("\"bos_token_id\": 1024"), "<|endoftext|> of the stand-in BPE");
    }
}
