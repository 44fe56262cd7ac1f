package org.voicestudio.inference.loading;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointLayoutTest {

    /** Reference §8 quotes counts rounded to 0.1M (0.01M for a DiT block). */
    private static final double REFERENCE_ROUNDING = 0.05e6;

    private static Map<String, String> describe(CheckpointLayout.FileLayout f) {
        Map<String, String> m = new LinkedHashMap<>();
        for (CheckpointLayout.Entry e : f.entries()) m.put(e.key(), Arrays.toString(e.shape()) + " float32");
        return m;
    }

    @Test
    void tinyLayoutListsExactlyTheKeysShapesAndOrderOfKeysTxt() throws Exception {
        CheckpointLayout layout = CheckpointLayout.of(ModelConfigReader.read(Golden.tinyModel()));
        Map<String, Map<String, String>> keys = PtReaderTest.keysTxt();
        for (CheckpointLayout.FileLayout f : List.of(layout.llm(), layout.flow(), layout.hift(), layout.qwenSafetensors())) {
            Map<String, String> want = keys.get(f.file());
            assertNotNull(want, "keys.txt has " + f.file());
            assertEquals(List.copyOf(want.entrySet()), List.copyOf(describe(f).entrySet()), f.file());
        }
    }

    @Test
    void tinyParameterCountsMatchTheFixtureReadme() throws Exception {
        CheckpointLayout layout = CheckpointLayout.of(ModelConfigReader.read(Golden.tinyModel()));
        // golden/README.md: "llm 1.00M, flow 0.76M, hift 0.11M"; keys.txt: 1067712 values in llm.pt incl. the tied 1000x64 head
        assertEquals(1_067_712 - 64_000, layout.llm().parameterCount());
        assertEquals(763_336, layout.flow().parameterCount());
        assertEquals(114_627, layout.hift().parameterCount());
    }

    @Test
    void fullGeometryHasTheParameterCountsOfReferenceSection8() throws Exception {
        CheckpointLayout layout = CheckpointLayout.of(RandomModel.Geometry.FULL.config());
        var llm = layout.llm();
        assertEquals(506.1e6, llm.parameterCount(), REFERENCE_ROUNDING, "LLM total (tied lm_head once)");
        assertEquals(494.0e6, llm.parameterCount(k -> k.startsWith("llm.model.")), REFERENCE_ROUNDING, "Qwen2-0.5B backbone");
        assertEquals(136.1e6, llm.parameterCount(k -> k.contains("embed_tokens")), REFERENCE_ROUNDING, "text embedding");
        assertEquals(357.9e6, llm.parameterCount(k -> k.startsWith("llm.model.") && !k.contains("embed_tokens")), REFERENCE_ROUNDING);
        assertEquals(6.06e6, llm.parameterCount(k -> k.startsWith("speech_embedding")), 0.005e6);
        assertEquals(6.06e6, llm.parameterCount(k -> k.startsWith("llm_decoder")), 0.005e6);

        var flow = layout.flow();
        assertEquals(331.1e6, flow.parameterCount(k -> k.startsWith(CheckpointLayout.ESTIMATOR_PREFIX)), REFERENCE_ROUNDING, "DiT estimator");
        assertEquals(14.69e6, flow.parameterCount(k -> k.contains("transformer_blocks.0.")), 0.005e6, "one DiT block");
        assertEquals(6.30e6, flow.parameterCount(k -> k.contains("transformer_blocks.0.attn_norm")), 0.005e6, "its adaLN projection");
        assertEquals(0.52e6, flow.parameterCount(k -> k.startsWith("input_embedding")), 0.005e6);
        assertEquals(0.57e6, flow.parameterCount(k -> k.startsWith("pre_lookahead_layer")), 0.005e6);

        assertEquals(21e6, layout.hift().parameterCount(), 0.5e6, "HiFT ≈ 21M");
        assertArrayEquals(new long[] {151936, 896}, llm.byKey().get("llm.model.lm_head.weight").shape());
        assertArrayEquals(new long[] {1024, 64, 31}, flow.byKey().get("decoder.estimator.input_embed.conv_pos_embed.conv1.0.weight").shape());
        assertArrayEquals(new long[] {32}, flow.byKey().get("decoder.estimator.rotary_embed.inv_freq").shape());
        assertArrayEquals(new long[] {512, 80, 5}, layout.hift().byKey().get("conv_pre.parametrizations.weight.original1").shape());
        assertArrayEquals(new long[] {256, 18, 30}, layout.hift().byKey().get("source_downs.0.weight").shape());
    }

    @Test
    void checkNamesMissingUnexpectedAndMisshapenKeys() throws Exception {
        CheckpointLayout layout = CheckpointLayout.of(ModelConfigReader.read(Golden.tinyModel()));
        try (StateDict sd = PtReader.readStateDict(Golden.tinyModel().resolve("flow.pt"))) {
            assertEquals(List.of(), CheckpointLayout.check(layout.flow(), sd));
            var tensors = new LinkedHashMap<>(sd.asMap());
            tensors.remove("decoder.estimator.proj_out.bias");
            tensors.put("decoder.estimator.extra.weight", sd.get("decoder.estimator.proj_out.weight"));
            tensors.put("spk_embed_affine_layer.bias", sd.get("decoder.estimator.proj_out.weight"));
            List<String> problems = CheckpointLayout.check(layout.flow(), StateDict.of("flow.pt", tensors));
            assertEquals(List.of(
                    "flow.pt: missing key 'decoder.estimator.proj_out.bias' [80]",
                    "flow.pt: 'spk_embed_affine_layer.bias' has shape [80, 64] but the configuration implies [80]",
                    "flow.pt: unexpected key 'decoder.estimator.extra.weight' [80, 64] (not part of the model the yaml describes)"), problems);
        }
    }
}
