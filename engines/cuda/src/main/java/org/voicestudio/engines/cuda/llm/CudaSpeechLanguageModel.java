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
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;
import org.voicestudio.inference.llm.GenerationResult;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.llm.TokenBudget;
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
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;

/**
 * CosyVoice3LM on the GPU: prefill with batched GEMMs, then one decode step per token whose ~220
 * kernel launches and GEMMs are captured once into a CUDA graph and replayed (or issued eagerly
 * when graphs are off). Two ways to decode:
 * <ul>
 *   <li>host sampling ({@link LmSession}): the host writes one token id and reads back the 6761
 *       log-probs per step; sampling happens in {@code inference/llm};</li>
 *   <li>on-GPU sampling ({@link Session#sampleOnGpu}): RAS sampling, the stop test and the length
 *       rules run on the device as the first node of the captured step, so a graph replay samples a
 *       token and decodes it; the host replays k steps and reads back only the accepted ids.</li>
 * </ul>
 * Which one the pipeline uses is {@link #gpuSamplingEnabled()} ({@value #GPU_SAMPLING_PROPERTY}).
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

    /** System property: {@code false} turns on-GPU sampling off (host sampling through {@link LmSession}). */
    public static final String GPU_SAMPLING_PROPERTY = "voicestudio.cuda.gpuSampling";
    /** System property: decode steps replayed per host read-back with on-GPU sampling (default 8). */
    public static final String GPU_SAMPLING_BATCH_PROPERTY = "voicestudio.cuda.gpuSamplingBatch";

    /** Whether the pipeline should decode with {@link Session#sampleOnGpu} (default) rather than host sampling. */
    public static boolean gpuSamplingEnabled() {
        return Boolean.parseBoolean(System.getProperty(GPU_SAMPLING_PROPERTY, "true"));
    }

    /** Steps per {@link GpuDecode#next} call the pipeline should use ({@value #GPU_SAMPLING_BATCH_PROPERTY}, default 8). */
    public static int gpuSamplingBatch() {
        int k = Integer.getInteger(GPU_SAMPLING_BATCH_PROPERTY, 8);
        if (k < 1) throw new IllegalArgumentException(GPU_SAMPLING_BATCH_PROPERTY + " must be at least 1, got " + k);
        return k;
    }

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
        private GpuDecode gpuDecode;   // the open on-GPU sampling decode, if any
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
                // the decode workspace holds the latest log-probs: on-GPU sampling starts from them
                check(cudaMemcpyAsync(new DevicePointer(step.logp.address()), new DevicePointer(ws.logp.address()), 4L * logp.length,
                        cudaMemcpyDeviceToDevice, ctx.stream()), "cudaMemcpyAsync D2D");
                ctx.synchronize();
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

        /**
         * Starts decoding with on-GPU RAS sampling from the current log-probs (after the prefill, or
         * after the last {@link #append}): each step samples a token on the device exactly as
         * {@code RasSampler} (uniforms from {@link PhiloxRandom} under {@code seed}) with the stop
         * and length rules of {@code StopTokens}/{@code budget}, then decodes it. The session's
         * graph/eager and overlap choices apply. One open decode per session; close it (or the
         * session) when done.
         */
        public GpuDecode sampleOnGpu(SamplingConfig sampling, TokenBudget budget, long seed) {
            return sampleOnGpu(sampling, budget, seed, null);
        }

        /** As {@link #sampleOnGpu(SamplingConfig, TokenBudget, long)}, drawing {@code uniforms} in order instead (tests). */
        GpuDecode sampleOnGpu(SamplingConfig sampling, TokenBudget budget, long seed, double[] uniforms) {
            synchronized (gpu) {
                ensureOpen();
                if (gpuDecode != null) throw new IllegalStateException("this session already has an on-GPU sampling decode; close it first");
                ctx.makeCurrent();
                gpuDecode = new GpuDecode(sampling, budget, seed, uniforms);
                return gpuDecode;
            }
        }

        /**
         * An utterance decoded with on-GPU sampling. {@link #next} replays up to k steps (sample, then
         * decode the sampled token) back to back and reads back only the ids they accepted; after a
         * stop id or the last token of the budget, the rest of that batch's replays do nothing useful
         * (their sampling node is a no-op; their decode is wasted, at most k - 1 steps).
         */
        public final class GpuDecode implements AutoCloseable {
            private final GpuSampler sampler;
            private final List<StreamOp> ops;
            private final Pointer pinnedBlock;    // int gen[8] | int tokens[capacity]
            private final IntPointer pinnedGen, pinnedTokens;
            private CudaGraph stepGraph;
            private int[] accepted = new int[64];
            private int count, done, steps;
            private boolean decodeClosed;

            private GpuDecode(SamplingConfig sampling, TokenBudget budget, long seed, double[] uniforms) {
                LlmConfig c = weights.config;
                sampler = new GpuSampler(ctx, Ptr.of(step.logp, 0), c.speechVocabSize(), state.token(), sampling,
                        org.voicestudio.inference.llm.StopTokens.of(c), budget, seed, uniforms);
                PointerPointer<Pointer> out = new PointerPointer<>(1);
                int rc = cudaMallocHost(out, 4L * (GpuSampler.GEN_INTS + sampler.capacity));
                if (rc != 0) {
                    sampler.close();
                    throw new CudaException("cudaMallocHost failed: " + cudaGetErrorString(rc).getString());
                }
                pinnedBlock = out.get(0);
                pinnedGen = new IntPointer(pinnedBlock).capacity(GpuSampler.GEN_INTS);
                pinnedTokens = new IntPointer(new DevicePointer(pinnedBlock.address() + 4L * GpuSampler.GEN_INTS)).capacity(sampler.capacity);
                List<StreamOp> list = new ArrayList<>();
                list.add(sampler.launch);
                list.addAll(stepOps);
                ops = List.copyOf(list);
            }

            /**
             * Replays up to {@code k} steps and returns the tokens they accepted (fewer than
             * {@code k} once the decode ends; empty after the end).
             *
             * @throws IllegalStateException if the KV cache is full, or the device sampler failed
             *                               (NaN log-probs, every score -inf)
             */
            public int[] next(int k) {
                if (k < 1) throw new IllegalArgumentException("steps per call must be at least 1, got " + k);
                synchronized (gpu) {
                    ensureDecodeOpen();
                    if (done != GpuSampler.RUNNING) return new int[0];
                    int n = Math.min(k, decoder.maxPositions - length);
                    if (n <= 0) throw new IllegalStateException("KV cache full at " + length + " positions (raise voicestudio.cuda.maxPositions)");
                    ctx.makeCurrent();
                    for (int i = 0; i < n; i++) {
                        if (useGraph) {
                            if (stepGraph == null) stepGraph = CudaGraph.capture(ctx.stream(), ops);
                            stepGraph.launch(ctx.stream());
                        } else {
                            for (StreamOp op : ops) op.enqueue(ctx.stream());
                        }
                    }
                    length += n;
                    int from = count, upTo = Math.min(sampler.capacity, count + n);
                    check(cudaMemcpyAsync(pinnedGen, new DevicePointer(sampler.gen.address()), 4L * GpuSampler.GEN_INTS,
                            cudaMemcpyDeviceToHost, ctx.stream()), "cudaMemcpyAsync D2H");
                    if (upTo > from) {
                        check(cudaMemcpyAsync(new DevicePointer(pinnedTokens.address() + 4L * from), new DevicePointer(sampler.tokens.address(4L * from)),
                                4L * (upTo - from), cudaMemcpyDeviceToHost, ctx.stream()), "cudaMemcpyAsync D2H");
                    }
                    ctx.synchronize();
                    int newCount = pinnedGen.get(GpuSampler.COUNT);
                    done = pinnedGen.get(GpuSampler.DONE);
                    steps = pinnedGen.get(GpuSampler.STEP);
                    if (done >= GpuSampler.BAD_SCORES) {
                        throw new IllegalStateException("on-GPU sampling failed at step " + steps + ": " + GpuSampler.describe(done));
                    }
                    if (newCount < from || newCount > upTo) {
                        throw new IllegalStateException("on-GPU sampler reports " + newCount + " tokens after " + from + " and " + n + " steps");
                    }
                    int[] fresh = new int[newCount - from];
                    for (int i = 0; i < fresh.length; i++) fresh[i] = pinnedTokens.get(from + i);
                    if (newCount > accepted.length) accepted = java.util.Arrays.copyOf(accepted, Math.max(newCount, 2 * accepted.length));
                    System.arraycopy(fresh, 0, accepted, from, fresh.length);
                    count = newCount;
                    return fresh;
                }
            }

            /** Whether the decode has ended (a stop id was sampled or the budget is used up). */
            public boolean finished() { return done != GpuSampler.RUNNING; }

            /** Why it ended: {@code STOP_TOKEN}, or {@code MAX_TOKENS}/{@code BUDGET_USED} (by budget kind); null while running. */
            public GenerationResult.StopReason stopReason(TokenBudget budget) {
                return switch (done) {
                    case GpuSampler.RUNNING -> null;
                    case GpuSampler.STOPPED -> GenerationResult.StopReason.STOP_TOKEN;
                    default -> budget instanceof TokenBudget.Fixed ? GenerationResult.StopReason.BUDGET_USED : GenerationResult.StopReason.MAX_TOKENS;
                };
            }

            /** Every token accepted so far, in order (the stop id excluded). */
            public int[] tokens() { return java.util.Arrays.copyOf(accepted, count); }

            /** Sampling steps taken so far (accepted tokens plus a final stop id). */
            public int steps() { return steps; }

            private void ensureDecodeOpen() {
                ensureOpen();
                if (decodeClosed) throw new IllegalStateException("on-GPU sampling decode already closed");
            }

            @Override
            public void close() {
                synchronized (gpu) {
                    closeLocked();
                }
            }

            private void closeLocked() {
                if (decodeClosed) return;
                decodeClosed = true;
                ctx.makeCurrent();
                ctx.synchronize();
                if (stepGraph != null) stepGraph.close();
                sampler.close();
                cudaFreeHost(pinnedBlock);
                if (gpuDecode == this) gpuDecode = null;
            }
        }

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
            if (gpuDecode != null) gpuDecode.closeLocked();
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
