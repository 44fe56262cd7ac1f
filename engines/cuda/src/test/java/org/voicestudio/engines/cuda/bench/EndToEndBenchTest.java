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

    @Test
    void tableHasOneRowPerBudgetAndModeWithMediansAndTheLastTimeline() {
        var stages = org.voicestudio.inference.pipeline.SpeechPipeline.Overlap.STAGES;
        var none = org.voicestudio.inference.pipeline.SpeechPipeline.Overlap.NONE;
        var span = new org.voicestudio.inference.metrics.TimelineSpan(org.voicestudio.inference.engine.Stage.FLOW, 0, 0.010, 0.030, 56, 1.12);
        java.util.List<EndToEndBench.Run> runs = new java.util.ArrayList<>();
        for (double wall : new double[] {2.0, 1.0, 3.0}) {
            runs.add(new EndToEndBench.Run(stages, 250, 250, 4, wall, 10.0, 80, 0.5, 10, 1.2, 0.6, 0.4, java.util.List.of(span)));
            runs.add(new EndToEndBench.Run(none, 250, 250, 4, wall + 1, 10.0, 90, 0.5, 10, 1.2, 0.6, 0.4, java.util.List.of(span)));
        }
        String t = EndToEndBench.table("H200", org.voicestudio.engines.cuda.llm.LlmPrecision.FP32, org.voicestudio.engines.cuda.Gemm.Operands.FP32,
                3, 1, java.util.List.of(none, stages), java.util.List.of(250), runs);
        // median wall 2.0 s over 10 s of audio: RTF 0.2; busy 1.5 s in 2.0 s of wall: nothing overlapped
        assertTrue(t.contains("| stages | 250 (10.0) | 4 | 0.2000 | 80.0 | 2.000 | 0.500 (0.0500) | 10.0 | 1.200 | 0.600 (0.0600) | 0.400 (0.0400) | 0.000 |"), t);
        assertTrue(t.contains("| none | 250 (10.0) | 4 | 0.3000 | 90.0 | 3.000 |"), t);
        assertTrue(t.indexOf("| none |") < t.indexOf("| stages |"), "rows in the order of the modes asked");
        assertTrue(t.contains("| FLOW | 0 | 10.0 | 30.0 | 20.0 | 56 |"), t);
    }
}
