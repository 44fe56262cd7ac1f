package org.voicestudio.engines.vllm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.engines.djl.llm.Qwen2Backbone;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A plain Hugging Face {@code Qwen2ForCausalLM} over token ids, read from an export's
 * {@code config.json} + {@code model.safetensors} the way vLLM reads it: {@code model.embed_tokens}
 * looks ids up, {@code lm_head} scores the whole (padded) vocabulary. Runs on the DJL engine's
 * Qwen2 backbone, so the test server computes for real.
 */
final class ExportedQwen2 implements AutoCloseable {
    private final NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    private final StateDict weights;
    private final NDArray embedTokens; // [V, H]
    private final NDArray lmHead;      // [V, H]
    private final Qwen2Backbone backbone;
    final int vocabSize;

    ExportedQwen2(Path dir) throws IOException {
        JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        vocabSize = c.path("vocab_size").asInt();
        int hidden = c.path("hidden_size").asInt();
        int heads = c.path("num_attention_heads").asInt();
        ModelConfig.LlmConfig config = new ModelConfig.LlmConfig(hidden, c.path("num_hidden_layers").asInt(), heads,
                c.path("num_key_value_heads").asInt(), hidden / heads, c.path("intermediate_size").asInt(),
                c.path("rms_norm_eps").asDouble(), c.path("rope_theta").asDouble(), vocabSize, 6561, null, null);
        weights = SafeTensors.read(dir.resolve("model.safetensors"));
        DjlWeights w = new DjlWeights(weights, manager);
        embedTokens = w.f32("model.embed_tokens.weight", vocabSize, hidden);
        lmHead = w.f32("lm_head.weight", vocabSize, hidden);
        backbone = new Qwen2Backbone(config, w, "model.");
    }

    /** One sequence: feed ids, read logits of the next id. */
    final class Sequence implements AutoCloseable {
        private final NDManager seq = manager.newSubManager();
        private final Qwen2Backbone.Cache cache = backbone.newCache(seq, 256);
        private float[] logits;

        void feed(int... ids) {
            try (NDManager step = seq.newSubManager()) {
                long[] idx = new long[ids.length];
                for (int i = 0; i < ids.length; i++) idx[i] = ids[i];
                NDArray x = Embedding.embedding(step.create(idx), embedTokens, SparseFormat.DENSE).singletonOrThrow().expandDims(0);
                NDArray last = backbone.forward(step, x, cache).get(new NDIndex("0, -1")); // [H]
                logits = Linear.linear(last, lmHead).singletonOrThrow().toFloatArray();    // [V]
            }
        }

        float[] logits() { return logits.clone(); }

        @Override public void close() { seq.close(); }
    }

    Sequence start() { return new Sequence(); }

    @Override
    public void close() {
        manager.close();
        weights.close();
    }
}
