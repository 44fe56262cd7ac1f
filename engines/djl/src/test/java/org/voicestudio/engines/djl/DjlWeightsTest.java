package org.voicestudio.engines.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class DjlWeightsTest {
    @Test
    void mappedCheckpointTensorsArriveInDjlWithTheirValues() throws Exception {
        try (StateDict sd = PtReader.readStateDict(Golden.tinyModel().resolve("flow.pt"));
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            DjlWeights w = new DjlWeights(sd, manager);
            NDArray a = w.f32("spk_embed_affine_layer.weight", 80, 192);
            assertArrayEquals(sd.get("spk_embed_affine_layer.weight").toFloats(), a.toFloatArray(), 0f);
        }
    }
}
