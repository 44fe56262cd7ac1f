package org.voicestudio.engines.cuda.llm;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.engines.cuda.Launch;
import org.voicestudio.engines.cuda.StreamOp;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The Qwen2 decoder of CosyVoice3LM (reference §3.1) as a list of device operations over
 * {@code rows} new positions, reading the start position from device memory. Per layer:
 * <pre>
 *   a   = rms_norm(x, input_layernorm)                 // [T, H]
 *   qkv = a · [Wq; Wk; Wv]ᵀ                             // [T, NH*D + 2*NKV*D]
 *   q, cache[k, v] = rope(qkv + bias, pos + t)         // HF rotate-half, θ = rope_theta
 *   a   = softmax(q·kᵀ/√D, causal) · v                 // GQA, [T, NH*D]
 *   x  += a · Woᵀ                                      // residual add in the GEMM epilogue
 *   a   = rms_norm(x, post_attention_layernorm)
 *   gu  = a · [Wgate; Wup]ᵀ                             // [T, 2F]
 *   a   = silu(gate) * up                              // [T, F]
 *   x  += a · Wdownᵀ
 * </pre>
 * then {@code logp = log_softmax(llm_decoder(norm(x[T-1])))}: the last row only.
 *
 * <p>Prefill (T > 1) runs exactly that with cuBLAS GEMMs. A decode step (T = 1) fuses it into five
 * kernels per layer: {@code gemv_qkv_rope} (norm + q/k/v + bias + RoPE + cache write),
 * {@code attention}, {@code gemv} (o_proj + residual), {@code gemv_swiglu} (norm + gate/up + SwiGLU),
 * {@code gemv} (down_proj + residual); 124 launches per token, captured as one CUDA graph.
 */
final class Qwen2Decoder implements AutoCloseable {
    static final String SOURCE = "qwen2.cu";
    private static final int BLOCK = 256;
    private static final int ATTENTION_BLOCK = 1024;
    private static final int GEMV_ROWS = 8;
    private static final int ATTENTION_SPLITS = 16;   // key chunks per head in decode attention   // weight rows per block of the one-row kernels (qwen2.cu)

    final CudaContext ctx;
    final Qwen2Weights w;
    final LlmConfig c;
    final int maxPositions;
    private final DeviceBuffer invFreq;   // [D/2] fp32
    private final Kernel embedRows, rmsNorm, qkvRope, attention, swiglu, logSoftmax, advance, gemv, gemvSwiglu, gemvQkvRope, attentionDecode;
    /** gemv / gemv_qkv_rope, or their register-preloading twins (see {@link #GEMV_PRELOAD_PROPERTY}). */
    private final Kernel gemvLayer, gemvQkvRopeLayer;

    /**
     * System property: {@code false} turns off the register preload of the per-layer decode GEMVs
     * ({@code gemv_pre}, {@code gemv_qkv_rope_pre}: the block's first weight chunk is loaded before
     * waiting for the predecessor, so it is in flight while that drains). Same arithmetic in the same
     * order either way: the results are bit for bit equal.
     */
    static final String GEMV_PRELOAD_PROPERTY = "voicestudio.cuda.gemvPreload";

    Qwen2Decoder(CudaContext ctx, Qwen2Weights weights, int maxPositions) {
        this.ctx = ctx;
        this.w = weights;
        this.c = weights.config;
        this.maxPositions = maxPositions;
        if (c.hiddenSize() % 8 != 0 || c.intermediateSize() % 8 != 0 || c.headDim() % 8 != 0 || c.headDim() > 128 || c.headDim() / 2 % 4 != 0 || BLOCK % c.headDim() != 0 || c.numHeads() % c.numKvHeads() != 0) {
            throw new IllegalArgumentException("unsupported attention geometry: head_dim " + c.headDim() + ", heads "
                    + c.numHeads() + "/" + c.numKvHeads());
        }
        var k = ctx.kernels();
        embedRows = k.kernel(SOURCE, "embed_rows");
        rmsNorm = k.kernel(SOURCE, "rms_norm");
        qkvRope = k.kernel(SOURCE, "qkv_rope_cache");
        attention = k.kernel(SOURCE, "attention");
        swiglu = k.kernel(SOURCE, "swiglu");
        logSoftmax = k.kernel(SOURCE, "log_softmax");
        advance = k.kernel(SOURCE, "advance_position");
        gemv = k.kernel(SOURCE, "gemv");
        gemvSwiglu = k.kernel(SOURCE, "gemv_swiglu");
        gemvQkvRope = k.kernel(SOURCE, "gemv_qkv_rope");
        attentionDecode = k.kernel(SOURCE, "attention_decode");
        boolean preload = Boolean.parseBoolean(System.getProperty(GEMV_PRELOAD_PROPERTY, "true"));
        gemvLayer = preload ? k.kernel(SOURCE, "gemv_pre") : gemv;
        gemvQkvRopeLayer = preload ? k.kernel(SOURCE, "gemv_qkv_rope_pre") : gemvQkvRope;
        // scores (dynamic) + 16.5 KB static in the attention kernel may pass the default 48 KB
        attention.allowDynamicSharedMemory(maxPositions * 4);
        attentionDecode.allowDynamicSharedMemory(ceilDiv(maxPositions, ATTENTION_SPLITS) * 4);
        invFreq = ctx.allocate(c.headDim() / 2 * 4L);
        invFreq.upload(inverseFrequencies(c.headDim(), c.ropeTheta()), 0);
    }

    /**
     * HF Qwen2RotaryEmbedding's {@code inv_freq = 1 / base^(arange(0, D, 2) / D)}, computed in
     * float32 steps as PyTorch does.
     */
    static float[] inverseFrequencies(int headDim, double theta) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            float pow = (float) Math.pow((float) theta, exponent);
            f[i] = 1.0f / pow;
        }
        return f;
    }

    /** Per-session device state: the KV cache and the (token, position) pair the graph reads. */
    final class State implements AutoCloseable {
        final DeviceBuffer kv;      // [layers][2][NKV][maxPositions][D] fp32
        final DeviceBuffer tokenPos; // int[2]: next token to embed, position of the next row

        State() {
            long perLayer = 2L * c.numKvHeads() * maxPositions * c.headDim() * 4;
            kv = ctx.allocate(perLayer * c.numLayers());
            tokenPos = ctx.allocate(8);
        }

        long k(int layer) { return kv.address((long) layer * 2 * kvBytes()); }
        long v(int layer) { return kv.address(((long) layer * 2 + 1) * kvBytes()); }
        private long kvBytes() { return (long) c.numKvHeads() * maxPositions * c.headDim() * 4; }
        Ptr token() { return Ptr.of(tokenPos, 0); }
        Ptr position() { return Ptr.of(tokenPos, 4); }

        @Override
        public void close() {
            kv.close();
            tokenPos.close();
        }
    }

    /** Activations for {@code rows} positions processed together. */
    final class Workspace implements AutoCloseable {
        final int rows;
        final DeviceBuffer x, a, qkv, q, gu, logits, logp;
        final DeviceBuffer attPartials;  // decode attention: [NH][splits][2 + D] fp32
        final DeviceBuffer attCounters;  // decode attention: int[NH], zero between launches

        Workspace(int rows) {
            this.rows = rows;
            int h = c.hiddenSize(), f = c.intermediateSize();
            int width = Math.max(Math.max(h, f), c.numHeads() * c.headDim());
            x = ctx.allocate((long) rows * h * 4);
            a = ctx.allocate((long) rows * width * w.precision.operands.bytes);
            qkv = ctx.allocate((long) rows * qkvWidth() * 4);
            q = ctx.allocate((long) rows * c.numHeads() * c.headDim() * 4);
            gu = ctx.allocate((long) rows * 2 * f * 4);
            logits = ctx.allocate(c.speechVocabSize() * 4L);
            logp = ctx.allocate(c.speechVocabSize() * 4L);
            attPartials = ctx.allocate((long) c.numHeads() * ATTENTION_SPLITS * (2 + c.headDim()) * 4);
            attCounters = ctx.allocate(c.numHeads() * 4L);
            attCounters.upload(new int[c.numHeads()], 0);
        }

        @Override
        public void close() {
            for (DeviceBuffer b : new DeviceBuffer[] {x, a, qkv, q, gu, logits, logp, attPartials, attCounters}) b.close();
        }
    }

    private int qkvWidth() { return (c.numHeads() + 2 * c.numKvHeads()) * c.headDim(); }

    /** Row embedding: {@code x[row0 + r] = table[ids[r]]} for {@code count} rows. */
    Launch embed(Workspace ws, int row0, DeviceBuffer table, Ptr ids, int count) {
        return embedRows.launch(Dim.of(count), Dim.of(BLOCK), 0,
                Ptr.of(ws.x, (long) row0 * c.hiddenSize() * 4), table, ids, c.hiddenSize());
    }

    /** Whether this GPU can start a kernel before its predecessor ends (programmatic dependent launch). */
    boolean supportsOverlap() { return ctx.info().ccMajor() >= 9; }

    /**
     * The decode step: embed the token at {@code state.token()}, then the decoder over one row.
     * With {@code overlap}, every launch after the first may start while its predecessor drains
     * (each kernel prefetches its weights, then waits for the predecessor's results).
     */
    List<StreamOp> decodeStep(Workspace ws, State st, boolean overlap) {
        if (ws.rows != 1) throw new IllegalArgumentException("a decode step has one row, workspace has " + ws.rows);
        List<StreamOp> ops = new ArrayList<>();
        ops.add(embed(ws, 0, w.speechEmbedding, st.token(), 1));
        ops.addAll(forward(ws, st));
        if (overlap && supportsOverlap()) {
            for (int i = 1; i < ops.size(); i++) ((Launch) ops.get(i)).overlapPrevious();
        }
        return List.copyOf(ops);
    }

    /** The decoder over {@code ws.rows} rows already embedded in {@code ws.x}, ending with the position advanced. */
    List<StreamOp> forward(Workspace ws, State st) {
        int t = ws.rows, h = c.hiddenSize(), f = c.intermediateSize(), nh = c.numHeads(), nkv = c.numKvHeads(), d = c.headDim();
        int bf16 = w.precision.bf16() ? 1 : 0;
        Gemm.Operands op = w.precision.operands;
        float eps = (float) c.rmsNormEps();
        float scale = (float) (1.0 / Math.sqrt(d));
        List<StreamOp> ops = new ArrayList<>();
        Ptr none = new Ptr(0);
        int inBytes = w.precision.operands.bytes;
        for (int i = 0; i < c.numLayers(); i++) {
            Qwen2Weights.Layer l = w.layers.get(i);
            if (t == 1) {
                // decode: 5 launches per layer, RMSNorms fused into the GEMVs that read them
                int qkvBlocks = (nh + nkv) * d / 8 + nkv * d / 8;   // 4 rotation pairs or 8 v rows each
                ops.add(gemvQkvRopeLayer.launch(Dim.of(qkvBlocks), Dim.of(gemvBlock(h)), h * inBytes,
                        ws.q, new Ptr(st.k(i)), new Ptr(st.v(i)), l.qkv(), ws.x, l.inputNorm(), l.qkvBias(), invFreq,
                        st.position(), nh, nkv, d, maxPositions, h, eps, bf16).labelled("gemv qkv_proj+rope"));
                ops.add(attention(ws, st, i, scale, bf16));
                ops.add(gemv(gemvLayer, ws.x, l.o(), ws.a, none, h, nh * d, eps, true).labelled("gemv o_proj"));
                ops.add(gemvSwiglu.launch(Dim.of(ceilDiv(f, GEMV_ROWS / 2)), Dim.of(gemvBlock(h)), h * inBytes,
                        ws.gu, l.gateUp(), ws.x, l.postNorm(), f, h, eps, bf16).labelled("gemv_swiglu gate_up_proj"));
                ops.add(gemv(gemvLayer, ws.x, l.down(), ws.gu, none, h, f, eps, true).labelled("gemv down_proj"));
            } else {
                // prefill: cuBLAS GEMMs over all rows
                ops.add(rmsNorm.launch(Dim.of(t), Dim.of(BLOCK), 0, ws.a, ws.x, l.inputNorm(), h, eps, bf16));
                ops.add(new Gemm(ctx.blas(), op, qkvWidth(), t, h, l.qkv().address(), ws.a.address(), ws.qkv.address(), false));
                ops.add(qkvRope.launch(Dim.of(t), Dim.of(BLOCK), 0, ws.q, new Ptr(st.k(i)), new Ptr(st.v(i)), ws.qkv, l.qkvBias(),
                        invFreq, st.position(), nh, nkv, d, maxPositions));
                ops.add(attention(ws, st, i, scale, bf16));
                ops.add(new Gemm(ctx.blas(), op, h, t, nh * d, l.o().address(), ws.a.address(), ws.x.address(), true));
                ops.add(rmsNorm.launch(Dim.of(t), Dim.of(BLOCK), 0, ws.a, ws.x, l.postNorm(), h, eps, bf16));
                ops.add(new Gemm(ctx.blas(), op, 2 * f, t, h, l.gateUp().address(), ws.a.address(), ws.gu.address(), false));
                ops.add(swiglu.launch(Dim.of(t), Dim.of(BLOCK), 0, ws.a, ws.gu, f, bf16));
                ops.add(new Gemm(ctx.blas(), op, h, t, f, l.down().address(), ws.a.address(), ws.x.address(), true));
            }
        }
        // head on the last row only: logits = llm_decoder(norm(x[t-1])). Plain gemv: its 846 blocks
        // need the lower register count of the kernel without preload to all be resident at once.
        ops.add(gemv(gemv, ws.logits, w.llmDecoder, Ptr.of(ws.x, (long) (t - 1) * h * 4), new Ptr(w.finalNorm.address()),
                c.speechVocabSize(), h, eps, false).labelled("gemv norm+llm_decoder"));
        ops.add(logSoftmax.launch(Dim.of(1), Dim.of(1024), 0, ws.logp, ws.logits, c.speechVocabSize()));
        ops.add(advance.launch(Dim.of(1), Dim.of(1), 0, st.position(), t));
        return ops;
    }

    private Launch attention(Workspace ws, State st, int layer, float scale, int bf16) {
        if (ws.rows == 1) {
            return attentionDecode.launch(Dim.of(c.numHeads(), ATTENTION_SPLITS), Dim.of(BLOCK),
                    ceilDiv(maxPositions, ATTENTION_SPLITS) * 4, ws.a, ws.q, new Ptr(st.k(layer)), new Ptr(st.v(layer)),
                    st.position(), ws.attPartials, ws.attCounters, c.numHeads(), c.numKvHeads(), c.headDim(), maxPositions,
                    scale, bf16);
        }
        return attention.launch(Dim.of(c.numHeads(), ws.rows), Dim.of(ATTENTION_BLOCK), maxPositions * 4, ws.a, ws.q,
                new Ptr(st.k(layer)), new Ptr(st.v(layer)), st.position(), c.numHeads(), c.numKvHeads(), c.headDim(),
                maxPositions, scale, bf16);
    }

    /** {@code y = in · Wᵀ (+ y)} for one row; {@code in = x}, or {@code rms_norm(x, norm)} when norm is not null. */
    private Launch gemv(Kernel kernel, Object y, DeviceBuffer weight, Object x, Ptr norm, int n, int k, float eps, boolean accumulate) {
        int bf16 = w.precision.bf16() ? 1 : 0;
        return kernel.launch(Dim.of(ceilDiv(n, GEMV_ROWS)), Dim.of(gemvBlock(k)), k * w.precision.operands.bytes,
                y, weight, x, norm, n, k, eps, bf16, accumulate ? 1 : 0);
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    /**
     * Threads of a one-row GEMV block: one per 16-byte chunk of a weight row (K/8 bf16 or K/4 fp32),
     * rounded to whole warps, 64..256. Idle threads would only add per-block cost: at K = 896 bf16
     * (112 chunks) a 128-thread block lets ~2x more blocks sit on an SM than a 256-thread one.
     */
    private int gemvBlock(int k) {
        int chunks = w.precision.bf16() ? k / 8 : k / 4;
        return Math.clamp(ceilDiv(chunks, 32) * 32, 64, BLOCK);
    }

    @Override
    public void close() {
        invFreq.close();
    }
}
