package org.voicestudio.engines.cuda.llm;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.Kernel.Ptr;
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
 */
final class Qwen2Decoder implements AutoCloseable {
    static final String SOURCE = "qwen2.cu";
    private static final int BLOCK = 256;

    final CudaContext ctx;
    final Qwen2Weights w;
    final LlmConfig c;
    final int maxPositions;
    private final DeviceBuffer invFreq;   // [D/2] fp32
    private final Kernel embedRows, rmsNorm, qkvRope, attention, swiglu, logSoftmax, advance, gemv, gemvSwiglu;

    Qwen2Decoder(CudaContext ctx, Qwen2Weights weights, int maxPositions) {
        this.ctx = ctx;
        this.w = weights;
        this.c = weights.config;
        this.maxPositions = maxPositions;
        if (c.hiddenSize() % 8 != 0 || c.intermediateSize() % 8 != 0 || c.headDim() % 8 != 0 || BLOCK % c.headDim() != 0 || c.numHeads() % c.numKvHeads() != 0) {
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
        int scoreBytes = maxPositions * 4;
        if (scoreBytes > 48 * 1024) attention.allowDynamicSharedMemory(scoreBytes);
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
        }

        @Override
        public void close() {
            for (DeviceBuffer b : new DeviceBuffer[] {x, a, qkv, q, gu, logits, logp}) b.close();
        }
    }

    private int qkvWidth() { return (c.numHeads() + 2 * c.numKvHeads()) * c.headDim(); }

    /** Row embedding: {@code x[row0 + r] = table[ids[r]]} for {@code count} rows. */
    StreamOp embed(Workspace ws, int row0, DeviceBuffer table, Ptr ids, int count) {
        return embedRows.launch(Dim.of(count), Dim.of(BLOCK), 0,
                Ptr.of(ws.x, (long) row0 * c.hiddenSize() * 4), table, ids, c.hiddenSize());
    }

    /** The decoder over {@code ws.rows} rows already embedded in {@code ws.x}, ending with the position advanced. */
    List<StreamOp> forward(Workspace ws, State st) {
        int t = ws.rows, h = c.hiddenSize(), f = c.intermediateSize(), nh = c.numHeads(), nkv = c.numKvHeads(), d = c.headDim();
        int bf16 = w.precision.bf16() ? 1 : 0;
        Gemm.Operands op = w.precision.operands;
        float eps = (float) c.rmsNormEps();
        float scale = (float) (1.0 / Math.sqrt(d));
        List<StreamOp> ops = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            Qwen2Weights.Layer l = w.layers.get(i);
            ops.add(rmsNorm.launch(Dim.of(t), Dim.of(BLOCK), 0, ws.a, ws.x, l.inputNorm(), h, eps, bf16));
            ops.add(linear(ws, ws.a, l.qkv(), qkvWidth(), h, ws.qkv, false, "qkv_proj"));
            ops.add(qkvRope.launch(Dim.of(t), Dim.of(BLOCK), 0, ws.q, new Ptr(st.k(i)), new Ptr(st.v(i)), ws.qkv, l.qkvBias(),
                    invFreq, st.position(), nh, nkv, d, maxPositions));
            ops.add(attention.launch(Dim.of(nh, t), Dim.of(BLOCK), maxPositions * 4, ws.a, ws.q, new Ptr(st.k(i)), new Ptr(st.v(i)),
                    st.position(), nh, nkv, d, maxPositions, scale, bf16));
            ops.add(linear(ws, ws.a, l.o(), h, nh * d, ws.x, true, "o_proj"));
            ops.add(rmsNorm.launch(Dim.of(t), Dim.of(BLOCK), 0, ws.a, ws.x, l.postNorm(), h, eps, bf16));
            if (t == 1) {
                // one row: gate/up dot products and SwiGLU in one kernel, into gu (not in place)
                ops.add(gemvSwiglu.launch(Dim.of(ceilDiv(f, BLOCK / 32)), Dim.of(BLOCK), 0, ws.gu, l.gateUp(), ws.a, f, h, bf16)
                        .labelled("gemv_swiglu gate_up_proj"));
                ops.add(linear(ws, ws.gu, l.down(), h, f, ws.x, true, "down_proj"));
            } else {
                ops.add(new Gemm(ctx.blas(), op, 2 * f, t, h, l.gateUp().address(), ws.a.address(), ws.gu.address(), false));
                ops.add(swiglu.launch(Dim.of(t), Dim.of(BLOCK), 0, ws.a, ws.gu, f, bf16));
                ops.add(linear(ws, ws.a, l.down(), h, f, ws.x, true, "down_proj"));
            }
        }
        // head on the last row only
        ops.add(rmsNorm.launch(Dim.of(1), Dim.of(BLOCK), 0, ws.a, Ptr.of(ws.x, (long) (t - 1) * h * 4), w.finalNorm, h, eps, bf16));
        ops.add(gemv.launch(Dim.of(ceilDiv(c.speechVocabSize(), BLOCK / 32)), Dim.of(BLOCK), 0,
                ws.logits, w.llmDecoder, ws.a, c.speechVocabSize(), h, bf16, 0).labelled("gemv llm_decoder"));
        ops.add(logSoftmax.launch(Dim.of(1), Dim.of(1024), 0, ws.logp, ws.logits, c.speechVocabSize()));
        ops.add(advance.launch(Dim.of(1), Dim.of(1), 0, st.position(), t));
        return ops;
    }

    /**
     * {@code y = a · Wᵀ (+ y)} over the workspace rows: our one-row kernel for decode (reads each
     * weight once with 16-byte loads), cuBLAS for prefill.
     */
    private StreamOp linear(Workspace ws, DeviceBuffer x, DeviceBuffer weight, int n, int k, DeviceBuffer y, boolean accumulate,
                            String name) {
        if (ws.rows == 1) {
            return gemv.launch(Dim.of(ceilDiv(n, BLOCK / 32)), Dim.of(BLOCK), 0, y, weight, x, n, k,
                    w.precision.bf16() ? 1 : 0, accumulate ? 1 : 0).labelled("gemv " + name);
        }
        return new Gemm(ctx.blas(), w.precision.operands, n, ws.rows, k, weight.address(), x.address(), y.address(), accumulate);
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    @Override
    public void close() {
        invFreq.close();
    }
}
