package org.voicestudio.inference.config;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.testing.Golden;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.*;

class ModelConfigReaderTest {

    private static String yaml() throws Exception { return Files.readString(Golden.tinyModel().resolve("cosyvoice3.yaml")); }

    private static String qwen() throws Exception { return Files.readString(Golden.tinyModel().resolve("CosyVoice-BlankEN/config.json")); }

    private static String replaceOnce(String text, String from, String to) {
        assertEquals(1, text.split(java.util.regex.Pattern.quote(from), -1).length - 1, "exactly one '" + from.strip() + "' in the fixture");
        return text.replace(from, to);
    }

    @Test
    void readsEveryValueOfTheTinyFixture() throws Exception {
        ModelConfig c = ModelConfigReader.read(Golden.tinyModel());
        assertEquals(24000, c.sampleRate());
        assertEquals(25, c.tokenFrameRate());
        assertEquals(2, c.tokenMelRatio());
        assertEquals(25, c.chunkSize());

        var l = c.llm();
        assertEquals(64, l.hiddenSize());
        assertEquals(2, l.numLayers());
        assertEquals(4, l.numHeads());
        assertEquals(2, l.numKvHeads());
        assertEquals(16, l.headDim());
        assertEquals(128, l.intermediateSize());
        assertEquals(1e-6, l.rmsNormEps());
        assertEquals(1e6, l.ropeTheta());
        assertEquals(1000, l.textVocabSize());
        assertEquals(6561, l.speechTokenSize());
        assertEquals(6761, l.speechVocabSize());
        assertEquals(new ModelConfig.SamplingConfig(0.8, 25, 10, 0.1), l.sampling());
        assertArrayEquals(new int[] {5, 15}, l.mixRatio());

        var f = c.flow();
        assertEquals(80, f.inputSize());
        assertEquals(80, f.outputSize());
        assertEquals(192, f.spkEmbedDim());
        assertEquals(6561, f.vocabSize());
        assertEquals(3, f.preLookaheadLen());
        assertEquals(64, f.preLookaheadChannels());
        assertEquals(2, f.tokenMelRatio());
        assertEquals(64, f.ditDim());
        assertEquals(2, f.ditDepth());
        assertEquals(4, f.ditHeads());
        assertEquals(16, f.ditDimHead());
        assertEquals(2, f.ditFfMult());
        assertEquals(50, f.staticChunkSize(), "!ref <chunk_size> * <token_mel_ratio>");
        assertEquals(1e-6, f.sigmaMin());
        assertEquals(0.7, f.inferenceCfgRate());
        assertEquals(10, f.nTimesteps());
        assertEquals("cosine", f.tScheduler());

        var h = c.hift();
        assertEquals(80, h.inChannels());
        assertEquals(32, h.baseChannels());
        assertEquals(8, h.nbHarmonics());
        assertEquals(24000, h.samplingRate());
        assertEquals(0.1, h.nsfAlpha());
        assertEquals(0.003, h.nsfSigma());
        assertEquals(10, h.nsfVoicedThreshold());
        assertArrayEquals(new int[] {8, 5, 3}, h.upsampleRates());
        assertArrayEquals(new int[] {16, 11, 7}, h.upsampleKernelSizes());
        assertEquals(16, h.istftNFft());
        assertEquals(4, h.istftHopLen());
        assertArrayEquals(new int[] {3, 7, 11}, h.resblockKernelSizes());
        assertArrayEquals(new int[][] {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}}, h.resblockDilationSizes());
        assertArrayEquals(new int[] {7, 7, 11}, h.sourceResblockKernelSizes());
        assertArrayEquals(new int[][] {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}}, h.sourceResblockDilationSizes());
        assertEquals(0.1, h.lreluSlope());
        assertEquals(0.99, h.audioLimit());
        assertEquals(4, h.convPreLookRight());
        assertEquals(32, h.f0CondChannels());
        assertEquals(480, h.samplesPerFrame());

        assertEquals(new ModelConfig.MelConfig(1920, 80, 24000, 480, 1920, 0, null, false), c.featExtractor());
    }

    @Test
    void aMissingYamlValueIsNamed() throws Exception {
        String y = replaceOnce(yaml(), "            dim: 64\n", "");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigReader.parse(y, qwen()));
        assertEquals("cosyvoice3.yaml: flow.decoder.estimator.dim is missing", e.getMessage());
    }

    @Test
    void llmSizeDisagreeingWithTheQwenConfigIsNamed() throws Exception {
        String q = replaceOnce(qwen(), "\"hidden_size\": 64", "\"hidden_size\": 896");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigReader.parse(yaml(), q));
        assertEquals("llm_input_size 64 (cosyvoice3.yaml) disagrees with hidden_size 896 of CosyVoice-BlankEN/config.json", e.getMessage());
    }

    @Test
    void aMissingQwenValueIsNamed() throws Exception {
        String q = replaceOnce(qwen(), "  \"num_key_value_heads\": 2,\n", "");
        assertEquals("CosyVoice-BlankEN/config.json: num_key_value_heads is missing",
                assertThrows(ConfigException.class, () -> ModelConfigReader.parse(yaml(), q)).getMessage());
    }

    @Test
    void aContradictingStreamingChunkIsNamed() throws Exception {
        String y = replaceOnce(yaml(), "static_chunk_size: !ref <chunk_size> * <token_mel_ratio>", "static_chunk_size: 40");
        assertEquals("cosyvoice3.yaml: flow.decoder.estimator.static_chunk_size 40 disagrees with chunk_size * token_mel_ratio = 50",
                assertThrows(ConfigException.class, () -> ModelConfigReader.parse(y, qwen())).getMessage());
    }

    @Test
    void aCosyVoice2ConfigurationIsRecognisedAndRefused() throws Exception {
        String y = replaceOnce(yaml(), "llm: !new:cosyvoice.llm.llm.CosyVoice3LM", "llm: !new:cosyvoice.llm.llm.Qwen2LM");
        String msg = assertThrows(ConfigException.class, () -> ModelConfigReader.parse(y, qwen())).getMessage();
        assertTrue(msg.contains("cosyvoice3.yaml: llm is cosyvoice.llm.llm.Qwen2LM") && msg.contains("CosyVoice2"), msg);
    }

    @Test
    void aMissingConfigFileIsNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Files.writeString(dir.resolve("cosyvoice3.yaml"), yaml());
        String msg = assertThrows(ConfigException.class, () -> ModelConfigReader.read(dir)).getMessage();
        assertTrue(msg.endsWith("CosyVoice-BlankEN/config.json is missing"), msg);
    }
}
