package org.voicestudio.engines.djl.llm;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.llm.Prefill;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;


/**
 * CosyVoice3LM on PyTorch through DJL, float32 on the CPU (reference §3): the Qwen2 backbone
 * ({@code llm.model.model.*} of {@code llm.pt}), {@code speech_embedding} and the bias-free
 * {@code llm_decoder} head. Weights are copied out of the checkpoint mapping at load ({@link DjlWeights}), so the
 * model does not depend on the {@link ModelFolder} staying open. Sessions may run concurrently,
 * each with its own KV cache.
 *
 * <p>Native memory: weights live in the model's manager; each session has a sub-manager for its
 * KV cache and last hidden state; every forward runs in a per-step sub-manager that is closed when
 * the step ends, so a long decode holds a constant number of arrays.
 */
public final class DjlSpeechLanguageModel implements SpeechLanguageModel {

    private static final String BACKBONE = "llm.model.model.";
    /** KV positions reserved per session before the first doubling. */
    private static final int INITIAL_CACHE = 256;

    private final LlmConfig config;
    private final NDManager manager;
    private final NDArray embedTokens;     // [text_vocab, H]
    private final NDArray speechEmbedding; // [6761, H]
    private final NDArray llmDecoder;      // [6761, H]
    private final Qwen2Backbone backbone;

    public DjlSpeechLanguageModel(ModelFolder folder) {
        this(folder.config().llm(), new DjlWeights(folder.llmWeights(), NDManager.newBaseManager(Device.cpu(), "PyTorch")));
    }

    private DjlSpeechLanguageModel(LlmConfig c, DjlWeights w) {
        this.config = c;
        this.manager = w.manager();
        try {
            int h = c.hiddenSize();
            embedTokens = w.f32(BACKBONE + "embed_tokens.weight", c.textVocabSize(), h);
            speechEmbedding = w.f32("speech_embedding.weight", c.speechVocabSize(), h);
            llmDecoder = w.f32("llm_decoder.weight", c.speechVocabSize(), h);
            if (w.has("llm_decoder.bias")) {
                throw new IllegalArgumentException(w.dict().source() + ": llm_decoder has a bias; that is a CosyVoice2 checkpoint, not CosyVoice3");
            }
            backbone = new Qwen2Backbone(c, w, BACKBONE);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }


    @Override
    public Session start(int[] textIds, int[] promptSpeechTokens) {
        Prefill prefill = Prefill.of(config, textIds, promptSpeechTokens);
        Session session = new Session(Math.max(INITIAL_CACHE, Integer.highestOneBit(prefill.length()) * 2));
        try {
            session.prefill(prefill);
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    @Override
    public int speechVocabSize() { return config.speechVocabSize(); }

    @Override
    public void close() { manager.close(); }

    /** The prefill input [1, L, H] (visible for the golden test of {@code llm_prefill_emb}). */
    NDArray embed(NDManager step, Prefill prefill) {
        NDList parts = new NDList();
        for (Prefill.Segment segment : prefill.segments()) {
            if (segment.length() == 0) continue; // no prompt speech (cross-lingual) or no prompt text
            NDArray table = switch (segment) {
                case Prefill.TextRows t -> embedTokens;
                case Prefill.SpeechRows s -> speechEmbedding;
            };
            parts.add(rows(step, table, segment.ids()));
        }
        return NDArrays.concat(parts, 0).expandDims(0); // [1, L, H]
    }

    /** table[ids] -> [n, H] in {@code step}. */
    private static NDArray rows(NDManager step, NDArray table, int[] ids) {
        long[] indices = new long[ids.length];
        for (int i = 0; i < ids.length; i++) indices[i] = ids[i];
        return Embedding.embedding(step.create(indices), table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** One KV-cached decode: prefill, then one speech token per {@link #append}. */
    public final class Session implements LmSession {
        private final NDManager sessionManager;
        private final Qwen2Backbone.Cache cache;
        private NDArray lastHidden; // [H], after the final norm
        private float[] logProbs;

        private Session(int initialCapacity) {
            sessionManager = manager.newSubManager();
            cache = backbone.newCache(sessionManager, initialCapacity);
        }

        private void prefill(Prefill prefill) {
            try (NDManager step = sessionManager.newSubManager()) {
                advance(step, embed(step, prefill));
            }
        }

        @Override
        public float[] logProbs() {
            checkOpen();
            if (logProbs == null) {
                try (NDManager step = sessionManager.newSubManager()) {
                    NDArray h = lastHidden.get(step, new NDIndex(":")); // [H]
                    logProbs = Linear.linear(h, llmDecoder).singletonOrThrow().logSoftmax(-1).toFloatArray(); // [6761]
                }
            }
            return logProbs.clone();
        }

        @Override
        public void append(int speechToken) {
            checkOpen();
            if (speechToken < 0 || speechToken >= config.speechVocabSize()) {
                throw new IllegalArgumentException("speech token " + speechToken + " is outside [0, " + config.speechVocabSize()
                        + ") of speech_embedding");
            }
            try (NDManager step = sessionManager.newSubManager()) {
                advance(step, rows(step, speechEmbedding, new int[] {speechToken}).expandDims(0)); // [1, 1, H]
            }
        }

        /** Runs the backbone over x [1, T, H] at the next T positions and keeps the last hidden state. */
        private void advance(NDManager step, NDArray x) {
            NDArray last = backbone.forward(step, x, cache).get(new NDIndex("0, -1")); // [H]
            if (lastHidden != null) lastHidden.close();
            last.attach(sessionManager);
            lastHidden = last;
            logProbs = null;
        }

        @Override
        public int length() { return cache.length(); }

        /** The final-norm hidden state at the last position (visible for the golden tests). */
        float[] lastHidden() {
            checkOpen();
            return lastHidden.toFloatArray();
        }

        /** Arrays this session holds (visible for the leak test). */
        int heldArrays() {
            return ((BaseNDManager) sessionManager).getManagedArrays().size();
        }

        private void checkOpen() {
            if (!sessionManager.isOpen()) throw new IllegalStateException("LM session is closed");
        }

        @Override
        public void close() { sessionManager.close(); }
    }

    /** Arrays the model itself holds (visible for the leak test). */
    int heldArrays() {
        return ((BaseNDManager) manager).getManagedArrays().size();
    }
}
