package org.voicestudio.engines.cuda.bench;

import org.junit.jupiter.api.Test;
import org.voicestudio.engines.cuda.vocoder.HostF0Predictor;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.loading.CheckpointLayout;
import org.voicestudio.inference.loading.RandomModel;
import org.voicestudio.inference.loading.WeightNorm;
import org.voicestudio.inference.tensor.StateDict;

import static org.junit.jupiter.api.Assertions.*;

/** What the benchmark builds on the host, checked without a GPU. */
class EndToEndBenchTest {

    @Test
    void fullGeometryIsFunCosyVoice3() {
        ModelConfig c = EndToEndBench.fullGeometry();
        assertEquals(896, c.llm().hiddenSize());
        assertEquals(24, c.llm().numLayers());
        assertEquals(6761, c.llm().speechVocabSize());
        assertEquals(22, c.flow().ditDepth());
        assertEquals(1024, c.flow().ditDim());
        assertEquals(512, c.hift().baseChannels());
        assertEquals(25, c.chunkSize());
    }

    @Test
    void randomFullHiftHasTheF0PredictorAndTheFusedDecoderTheVocoderReads() {
        ModelConfig c = EndToEndBench.fullGeometry();
        try (StateDict raw = RandomModel.stateDict(CheckpointLayout.of(c).hift(), 1)) {
            StateDict fused = WeightNorm.fuse(raw);
            // the F0 predictor fuses its own weight norms from the raw parametrisations, as CudaVocoder.create does
            try (HostF0Predictor f0 = new HostF0Predictor(raw, c.hift().inChannels(), c.hift().f0CondChannels())) {
                assertNotNull(f0);
            }
            assertArrayEquals(new long[] {1, c.hift().nbHarmonics() + 1}, fused.get("m_source.l_linear.weight").shape());
            assertTrue(fused.contains("conv_post.weight"), "weight norm fused into conv_post.weight");
            assertFalse(fused.keys().stream().anyMatch(k -> k.contains("parametrizations")), "nothing left un-fused");
        }
    }
}
