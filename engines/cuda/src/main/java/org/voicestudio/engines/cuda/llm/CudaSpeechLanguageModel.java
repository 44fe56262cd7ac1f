package org.voicestudio.engines.cuda.llm;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaException;
import org.voicestudio.engines.cuda.CudaGraph;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.DevicePointer;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.engines.cuda.StreamOp;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.tensor.StateDict;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.cuda.cudart.CUevent_st;

import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;

/**
 * CosyVoice3LM on the GPU: prefill with batched GEMMs, then one decode step per token whose ~220
 * kernel launches and GEMMs are captured once into a CUDA graph and replayed (or issued eagerly
 * when graphs are off). The host writes one token id and reads back the 6761 log-probs per step;
 * sampling stays on the host ({@code inference/llm}). A fused on-GPU sampling step is not written yet.
 */
public final class CudaSpeechLanguageModel implements SpeechLanguageModel {
    private final CudaContext ctx;
    private final boolean ownsContext;
    private final Qwen2Weights weights;
    private final Qwen2Decoder decoder;
    private final boolean graphs;
    /** Sessions share the context's stream and cuBLAS handle: device work of one model is serialised on this. */
    private final Object gpu = new Object();
    private final boolean overlap = Boolean.parseBoolean(System.getProperty("voicestudio.cuda.overlap", "true"));

    private CudaSpeechLanguageModel(CudaContext ctx, boolean ownsContext, Qwen2Weights weights, int maxPositions, boolean graphs) {
        this.ctx = ctx;
        this.ownsContext = ownsContext;
        this.weights = weights;
        this.graphs = graphs;
        Qwen2Decoder d;
        try {
            d = new Qwen2Decoder(ctx, weights, maxPositions);
        } catch (RuntimeException | Error e) {
            weights.close();
            throw e;
        }
        this.decoder = d;
    }

    /**
     * Uploads {@code llm.pt} and compiles the kernels.
     *
     * @param ownsContext whether closing the model closes {@code ctx}
     * @param maxPositions KV cache length of each session (prefill + generated tokens)
     * @param graphs replay the decode step as a CUDA graph (false: issue each launch from Java)
     */
    public static CudaSpeechLanguageModel load(CudaContext ctx, boolean ownsContext, LlmConfig config, StateDict llm,
                                               LlmPrecision precision, int maxPositions, boolean graphs) {
        ctx.makeCurrent();
        Qwen2Weights w = Qwen2Weights.upload(ctx, config, llm, precision);
        ctx.synchronize();
        return new CudaSpeechLanguageModel(ctx, ownsContext, w, maxPositions, graphs);
    }

    /** Deterministic random weights of {@code config}'s geometry made on the GPU (benchmarks). */
    public static CudaSpeechLanguageModel random(CudaContext ctx, LlmConfig config, LlmPrecision precision, int seed,
                                                 int maxPositions, boolean graphs) {
        ctx.makeCurrent();
        Qwen2Weights w = Qwen2Weights.random(ctx, config, precision, seed);
        ctx.synchronize();
        return new CudaSpeechLanguageModel(ctx, false, w, maxPositions, graphs);
    }

    public LlmPrecision precision() { return weights.precision; }

    /** Bytes of weights on the device. */
    public long weightBytes() { return weights.bytes(); }

    @Override
    public int speechVocabSize() { return weights.config.speechVocabSize(); }

    @Override
    public Session start(int[] textIds, int[] promptSpeechTokens) {
        return start(textIds, promptSpeechTokens, graphs);
    }

    /** As {@link #start(int[], int[])}, choosing graph replay or eager launches for this session. */
    public Session start(int[] textIds, int[] promptSpeechTokens, boolean useGraph) {
        return start(textIds, promptSpeechTokens, useGraph, overlap);
    }

    /**
     * As {@link #start(int[], int[])}, choosing graph replay or eager launches, and whether decode
     * kernels overlap their predecessors (programmatic dependent launch; ignored before sm_90).
     */
    public Session start(int[] textIds, int[] promptSpeechTokens, boolean useGraph, boolean overlapKernels) {
        synchronized (gpu) {
            return startLocked(textIds, promptSpeechTokens, useGraph, overlapKernels);
        }
    }

    private Session startLocked(int[] textIds, int[] promptSpeechTokens, boolean useGraph, boolean overlapKernels) {
        LlmConfig c = weights.config;
        for (int i = 0; i < textIds.length; i++) {
            if (textIds[i] < 0 || textIds[i] >= c.textVocabSize()) {
                throw new IllegalArgumentException("text id " + textIds[i] + " at index " + i + " is outside the text vocabulary [0, " + c.textVocabSize() + ")");
            }
        }
        for (int i = 0; i < promptSpeechTokens.length; i++) checkSpeechToken(promptSpeechTokens[i], "prompt speech token at index " + i);
        int rows = 1 + textIds.length + 1 + promptSpeechTokens.length;
        if (rows >= decoder.maxPositions) {
            throw new IllegalArgumentException("prefill of " + rows + " positions does not fit the KV cache of " + decoder.maxPositions
                    + " (raise voicestudio.cuda.maxPositions)");
        }
        ctx.makeCurrent();
        Session s = new Session(useGraph, overlapKernels);
        try {
            s.prefill(textIds, promptSpeechTokens);
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void checkSpeechToken(int token, String what) {
        if (token < 0 || token >= speechVocabSize()) {
            throw new IllegalArgumentException(what + " is " + token + ", outside the speech vocabulary [0, " + speechVocabSize() + ")");
        }
    }

    /** Frees the weights (and the context if owned). Sessions must be closed first. */
    @Override
    public void close() {
        synchronized (gpu) {
            closeLocked();
        }
    }

    private void closeLocked() {
        ctx.makeCurrent();
        ctx.synchronize();
        decoder.close();
        weights.close();
        if (ownsContext) ctx.close();
    }

    /**
     * One decode with its own KV cache, decode workspace and (lazily captured) graph. Sessions of one
     * model may be used from different threads; their device work is serialised (one stream).
     */
    public final class Session implements LmSession {
        private final boolean useGraph;
        private final Qwen2Decoder.State state;
        private final Qwen2Decoder.Workspace step;
        private final List<StreamOp> stepOps;
        private final Pointer pinned;          // int token | float logp[V]
        private final IntPointer pinnedToken;
        private final FloatPointer pinnedLogp;
        private final float[] logp;
        private CudaGraph graph;
        private int length;
        private boolean closed;

        private Session(boolean useGraph, boolean overlapKernels) {
            this.useGraph = useGraph;
            int v = speechVocabSize();
            List<AutoCloseable> made = new ArrayList<>();
            try {
                state = track(made, decoder.new State());
                step = track(made, decoder.new Workspace(1));
                PointerPointer<Pointer> out = new PointerPointer<>(1);
                int rc = cudaMallocHost(out, 16L + 4L * v);
                if (rc != 0) throw new CudaException("cudaMallocHost failed: " + cudaGetErrorString(rc).getString());
                pinned = out.get(0);
                pinnedToken = new IntPointer(pinned).capacity(1);
                pinnedLogp = new FloatPointer(new DevicePointer(pinned.address() + 16)).capacity(v);
            } catch (RuntimeException | Error e) {
                for (AutoCloseable a : made) closeQuietly(a);
                throw e;
            }
            stepOps = decoder.decodeStep(step, state, overlapKernels);
            logp = new float[v];
        }

        private void prefill(int[] textIds, int[] prompt) {
            LlmConfig c = weights.config;
            int n = textIds.length, p = prompt.length;
            int rows = 1 + n + 1 + p;
            int[] ids = new int[rows];
            ids[0] = c.sosId();
            System.arraycopy(textIds, 0, ids, 1, n);
            ids[n + 1] = c.taskId();
            System.arraycopy(prompt, 0, ids, n + 2, p);
            try (Qwen2Decoder.Workspace ws = decoder.new Workspace(rows);
                 DeviceBuffer idBuf = ctx.allocate(rows * 4L)) {
                idBuf.upload(ids, 0);
                state.tokenPos.upload(new int[] {0, 0}, 0);
                List<StreamOp> ops = new ArrayList<>();
                // [sos] + embed_tokens(text) + [task_id] + speech_embedding(prompt)   (reference §3.3)
                ops.add(decoder.embed(ws, 0, weights.speechEmbedding, Ptr.of(idBuf, 0), 1));
                if (n > 0) ops.add(decoder.embed(ws, 1, weights.textEmbedding, Ptr.of(idBuf, 4), n));
                ops.add(decoder.embed(ws, n + 1, weights.speechEmbedding, Ptr.of(idBuf, (n + 1) * 4L), 1 + p));
                ops.addAll(decoder.forward(ws, state));
                for (StreamOp op : ops) op.enqueue(ctx.stream());
                readLogp(ws);
            }
            length = rows;
        }

        private void readLogp(Qwen2Decoder.Workspace ws) {
            check(cudaMemcpyAsync(pinnedLogp, new DevicePointer(ws.logp.address()), 4L * logp.length, cudaMemcpyDeviceToHost, ctx.stream()), "cudaMemcpyAsync D2H");
            ctx.synchronize();
            pinnedLogp.get(logp);
        }

        @Override
        public float[] logProbs() {
            ensureOpen();
            return logp.clone();
        }

        @Override
        public void append(int speechToken) {
            synchronized (gpu) {
                appendLocked(speechToken);
            }
        }

        private void appendLocked(int speechToken) {
            ensureOpen();
            checkSpeechToken(speechToken, "speech token");
            if (length >= decoder.maxPositions) {
                throw new IllegalStateException("KV cache full at " + length + " positions (raise voicestudio.cuda.maxPositions)");
            }
            ctx.makeCurrent();
            enqueueStep(speechToken);
            readLogp(step);
            length++;
        }

        /** Token upload and one decode step, queued on the stream (no wait). */
        void enqueueStep(int speechToken) {
            pinnedToken.put(0, speechToken);
            check(cudaMemcpyAsync(new DevicePointer(state.tokenPos.address()), pinnedToken, 4L, cudaMemcpyHostToDevice, ctx.stream()), "cudaMemcpyAsync H2D");
            if (useGraph) {
                if (graph == null) graph = CudaGraph.capture(ctx.stream(), stepOps);
                graph.launch(ctx.stream());
            } else {
                for (StreamOp op : stepOps) op.enqueue(ctx.stream());
            }
        }

        /** Rewinds the position to {@code position} (benchmarks replay the same cache range). */
        void rewind(int position) {
            if (position < 1 || position > length) throw new IllegalArgumentException("cannot rewind to " + position + " of " + length);
            ctx.synchronize();
            state.tokenPos.upload(new int[] {position}, 4);
            length = position;
        }

        /**
         * Device milliseconds per decode step when {@code n} steps are queued back to back (graph or
         * eager as this session is), without the per-token host round trip. The token is the same
         * every step (the pinned token slot is not double-buffered); the position advances.
         */
        double queuedStepMs(int speechToken, int n) {
            ctx.makeCurrent();
            CUevent_st start = new CUevent_st(), end = new CUevent_st();
            check(cudaEventCreate(start), "cudaEventCreate");
            check(cudaEventCreate(end), "cudaEventCreate");
            try {
                check(cudaEventRecord(start, ctx.stream()), "cudaEventRecord");
                for (int i = 0; i < n; i++) enqueueStep(speechToken);
                check(cudaEventRecord(end, ctx.stream()), "cudaEventRecord");
                check(cudaEventSynchronize(end), "cudaEventSynchronize");
                float[] ms = new float[1];
                check(cudaEventElapsedTime(ms, start, end), "cudaEventElapsedTime");
                length += n;
                return ms[0] / n;
            } finally {
                cudaEventDestroy(start);
                cudaEventDestroy(end);
            }
        }

        /** Device milliseconds of each operation of one eager decode step, summed by label. */
        java.util.Map<String, Double> profileStep(int speechToken) {
            ctx.makeCurrent();
            pinnedToken.put(0, speechToken);
            check(cudaMemcpyAsync(new DevicePointer(state.tokenPos.address()), pinnedToken, 4L, cudaMemcpyHostToDevice, ctx.stream()), "cudaMemcpyAsync H2D");
            CUevent_st[] ev = new CUevent_st[stepOps.size() + 1];
            for (int i = 0; i < ev.length; i++) {
                ev[i] = new CUevent_st();
                check(cudaEventCreate(ev[i]), "cudaEventCreate");
            }
            try {
                check(cudaEventRecord(ev[0], ctx.stream()), "cudaEventRecord");
                for (int i = 0; i < stepOps.size(); i++) {
                    stepOps.get(i).enqueue(ctx.stream());
                    check(cudaEventRecord(ev[i + 1], ctx.stream()), "cudaEventRecord");
                }
                check(cudaEventSynchronize(ev[ev.length - 1]), "cudaEventSynchronize");
                java.util.Map<String, Double> byLabel = new java.util.LinkedHashMap<>();
                float[] ms = new float[1];
                for (int i = 0; i < stepOps.size(); i++) {
                    check(cudaEventElapsedTime(ms, ev[i], ev[i + 1]), "cudaEventElapsedTime");
                    byLabel.merge(stepOps.get(i).label(), (double) ms[0], Double::sum);
                }
                length++;
                return byLabel;
            } finally {
                for (CUevent_st e : ev) cudaEventDestroy(e);
            }
        }

        /** Launches (kernels and GEMMs) of one decode step. */
        int stepOperations() { return stepOps.size(); }

        @Override
        public int length() { return length; }

        private void ensureOpen() {
            if (closed) throw new IllegalStateException("LM session already closed");
        }

        @Override
        public void close() {
            synchronized (gpu) {
                closeLocked();
            }
        }

        private void closeLocked() {
            if (closed) return;
            closed = true;
            ctx.makeCurrent();
            ctx.synchronize();
            if (graph != null) graph.close();
            step.close();
            state.close();
            cudaFreeHost(pinned);
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> made, T resource) {
        made.add(resource);
        return resource;
    }

    private static void closeQuietly(AutoCloseable a) {
        try {
            a.close();
        } catch (Exception ignored) {
            // already failing; the first error is the one to report
        }
    }

    private static void check(int rc, String call) {
        if (rc != 0) throw new CudaException(call + " failed: " + cudaGetErrorString(rc).getString() + " (cudaError " + rc + ")");
    }
}
