package org.voicestudio.engines.tensorrt.plan;

import org.voicestudio.inference.config.ModelConfig.FlowConfig;

import java.util.List;

import static org.voicestudio.engines.tensorrt.plan.Precision.FP32;

/**
 * The layer plan of the CosyVoice3 DiT estimator ({@code cosyvoice/flow/DiT/dit.py}, reference §4.3) with the
 * exported-graph I/O of §4.4: inputs {@code x, mask, mu, t, spks, cond} for the CFG batch of 2, output
 * {@code estimator_out} (2, 80, T), all float32 at the boundary (the solver stays in Java). Layer order and
 * key names follow {@code DjlDitEstimator}, the fp32 reference.
 *
 * <p>Mixed precision (strongly typed): Q/K/V/out, the feed-forward GEMMs, the input projection and the
 * position convolutions run in {@link PrecisionMode#gemm()}; the rest stays fp32, each with its reason in
 * {@link Layer#why()}.
 */
public final class DitPlan {
    /** Batch is frozen at 2 (conditional + unconditional row), as in the official export. */
    public static final int BATCH = 2;
    /** SinusPositionEmbedding width and scale (TimestepEmbedding defaults). */
    static final int FREQ_EMBED_DIM = 256;
    static final double TIME_SCALE = 1000;
    /** DiTBlock / AdaLayerNormZero LayerNorm eps (no affine). */
    static final double NORM_EPS = 1e-6;
    /** CausalConvPositionEmbedding kernel and groups. */
    static final int CONV_POS_KERNEL = 31, CONV_POS_GROUPS = 16;
    static final String E = "decoder.estimator.";

    public static final List<String> INPUT_NAMES = List.of("x", "mask", "mu", "t", "spks", "cond");
    public static final String ATTN_BIAS = "attn_bias";
    public static final String OUTPUT = "estimator_out";

    private static final String WHY_NORM = "LayerNorm: mean/variance reduction over 1024 channels overflows fp16 (the NaN of naked fp16 builds)";
    private static final String WHY_MOD = "AdaLN modulation: (1+scale), shift and gates feed every block";
    private static final String WHY_RESID = "residual stream: 22 blocks of gated additions accumulate";
    private static final String WHY_SCORES = "attention scores: q·k over T keys accumulate and feed softmax";
    private static final String WHY_SOFTMAX = "softmax: exp/sum reduction over up to 3000 keys";
    private static final String WHY_TIME = "time MLP: 2 rows, sets every modulation; negligible cost";
    private static final String WHY_ROPE = "RoPE: phases p·inv_freq up to p = 3000 need fp32";
    private static final String WHY_OUT = "final norm and projection to the velocity: the solver integrates it";

    private DitPlan() {}

    /** Plan name for cache folders and reports: dit-fp16-streaming, dit-fp32-full, dit-bf16-biasinput. */
    public static String name(PrecisionMode mode, MaskMode maskMode, boolean streaming) {
        String p = mode.gemm().name().toLowerCase(java.util.Locale.ROOT);
        return "dit-" + p + "-" + (maskMode == MaskMode.INPUT ? "biasinput" : streaming ? "streaming" : "full");
    }

    /**
     * @param streaming with {@link MaskMode#BAKED}: bake the 50-frame block-causal mask (else full attention);
     *                  ignored with {@link MaskMode#INPUT}
     */
    public static LayerPlan of(FlowConfig c, PrecisionMode mode, MaskMode maskMode, boolean streaming, FrameProfile profile) {
        if (c.ditInnerDim() % c.ditDimHead() != 0 || c.ditDimHead() % 2 != 0) {
            throw new IllegalArgumentException("DiT heads " + c.ditHeads() + " x " + c.ditDimHead() + " cannot carry interleaved RoPE");
        }
        PlanWriter w = new PlanWriter();
        Precision g = mode.gemm();
        boolean mixed = mode.mixed();
        int mel = c.outputSize(), dim = c.ditDim(), inner = c.ditInnerDim(), heads = c.ditHeads(), dh = c.ditDimHead();
        int ff = dim * c.ditFfMult();
        Dim t = Dim.T;

        // ---- inputs (§4.4): float32 at the boundary in every mode
        String x = w.input("x", SymShape.of(BATCH, mel, t), FP32);
        String mask = w.input("mask", SymShape.of(BATCH, 1, t), FP32);
        String mu = w.input("mu", SymShape.of(BATCH, mel, t), FP32);
        String time = w.input("t", SymShape.of(BATCH), FP32);
        String spks = w.input("spks", SymShape.of(BATCH, mel), FP32);
        String cond = w.input("cond", SymShape.of(BATCH, mel, t), FP32);
        String bias = maskMode == MaskMode.INPUT ? w.input(ATTN_BIAS, SymShape.of(BATCH, 1, t, t), FP32) : null;

        // ---- time embedding: [2] -> [2, dim]
        String s = w.add("time.sinus", new Op.SinusoidalEmbedding(FREQ_EMBED_DIM, TIME_SCALE), List.of(time),
                SymShape.of(BATCH, FREQ_EMBED_DIM), FP32, why(mixed, WHY_TIME));                              // [2, 256]
        s = w.linear("time.mlp0", s, E + "time_embed.time_mlp.0", FREQ_EMBED_DIM, dim, FP32, why(mixed, WHY_TIME));
        s = w.act("time.silu", s, Op.Activation.SILU, 0, FP32);
        String temb = w.linear("time.mlp2", s, E + "time_embed.time_mlp.2", dim, dim, FP32, why(mixed, WHY_TIME)); // [2, dim]
        String tembSilu = w.act("temb.silu", temb, Op.Activation.SILU, 0, FP32);                         // SiLU(t) shared by all AdaLN

        // ---- input embedding: concat[x, cond, mu, spks] -> [2, T, dim], + causal conv position embedding
        String xt = w.transpose("x.t", x, FP32, 0, 2, 1);                                                  // [2, T, 80]
        String condT = w.transpose("cond.t", cond, FP32, 0, 2, 1);
        String muT = w.transpose("mu.t", mu, FP32, 0, 2, 1);
        String spksT = w.add("spks.t", new Op.BroadcastFrames(), List.of(spks, xt), SymShape.of(BATCH, t, mel), FP32, "");
        String cat = w.concat("input.cat", -1, FP32, xt, condT, muT, spksT);                                // [2, T, 320]
        int catDim = 2 * mel + c.inputSize() + mel;
        String proj = w.linear("input.proj", cat, E + "input_embed.proj", catDim, dim, g, "");            // [2, T, dim]
        String hc = w.transpose("input.conv_in", proj, g, 0, 2, 1);                                       // [2, dim, T]
        hc = w.conv1d("input.conv1", hc, E + "input_embed.conv_pos_embed.conv1.0", dim, dim, CONV_POS_KERNEL, CONV_POS_GROUPS, 1, 1,
                CONV_POS_KERNEL - 1, 0, g, "");
        hc = w.act("input.mish1", hc, Op.Activation.MISH, 0, g);
        hc = w.conv1d("input.conv2", hc, E + "input_embed.conv_pos_embed.conv2.0", dim, dim, CONV_POS_KERNEL, CONV_POS_GROUPS, 1, 1,
                CONV_POS_KERNEL - 1, 0, g, "");
        hc = w.act("input.mish2", hc, Op.Activation.MISH, 0, g);
        hc = w.transpose("input.conv_out", hc, g, 0, 2, 1);                                               // [2, T, dim]
        String h = w.eltwise("input.embed", Op.Binary.ADD, hc, proj, FP32, why(mixed, WHY_RESID));       // [2, T, dim]

        // ---- attention mask: additive bias [2, 1, T, T] and the kept output rows [2, T, 1]
        if (bias == null) {
            // full attention needs only a per-key bias [2, 1, 1, T]; the chunk mask varies per query [2, 1, T, T]
            bias = w.add("attn.bias", new Op.AttentionBias(streaming ? c.staticChunkSize() : 0), List.of(mask),
                    streaming ? SymShape.of(BATCH, 1, t, t) : SymShape.of(BATCH, 1, 1, t), FP32, "");
        }
        String keep = w.transpose("attn.keep_rows", mask, FP32, 0, 2, 1);                                  // [2, T, 1]

        for (int i = 0; i < c.ditDepth(); i++) {
            String b = "block" + i + ".";
            String k = E + "transformer_blocks." + i + ".";
            // AdaLayerNormZero: Linear(SiLU(t)) -> shift, scale, gate (attention) and shift, scale, gate (MLP)
            String mod = w.linear(b + "mod", tembSilu, k + "attn_norm.linear", dim, 6 * dim, FP32, why(mixed, WHY_MOD)); // [2, 6 dim]
            String[] m = new String[6];
            String[] names = {"shift_msa", "scale_msa", "gate_msa", "shift_mlp", "scale_mlp", "gate_mlp"};
            for (int j = 0; j < 6; j++) {
                String sl = w.slice(b + names[j] + ".slice", mod, 1, (long) j * dim, dim, FP32);
                m[j] = w.reshape(b + names[j], sl, SymShape.of(BATCH, 1, dim), FP32);                   // [2, 1, dim]
            }
            String a = modulate(w, b + "attn_norm", h, m[1], m[0], mixed);                                 // [2, T, dim]

            String q = w.linear(b + "q", a, k + "attn.to_q", dim, inner, g, "");                          // [2, T, inner]
            String kk = w.linear(b + "k", a, k + "attn.to_k", dim, inner, g, "");
            String v = w.linear(b + "v", a, k + "attn.to_v", dim, inner, g, "");
            Op.Rope rope = new Op.Rope(E + "rotary_embed.inv_freq", dh, profile.max());
            q = w.add(b + "q.rope", rope, List.of(q), w.shape(q), FP32, why(mixed, WHY_ROPE));
            kk = w.add(b + "k.rope", rope, List.of(kk), w.shape(kk), FP32, why(mixed, WHY_ROPE));
            q = heads(w, b + "q.heads", q, heads, dh, FP32);                                              // [2, H, T, D]
            kk = heads(w, b + "k.heads", kk, heads, dh, FP32);
            v = heads(w, b + "v.heads", v, heads, dh, g);
            String sc = w.add(b + "scores", new Op.MatMul(true), List.of(q, kk), SymShape.of(BATCH, heads, t, t), FP32,
                    why(mixed, WHY_SCORES));                                                                 // [2, H, T, T]
            sc = w.affine(b + "scores.scaled", sc, 1 / Math.sqrt(dh), 0, FP32, why(mixed, WHY_SCORES));
            sc = w.eltwise(b + "scores.masked", Op.Binary.ADD, sc, bias, FP32, why(mixed, WHY_SCORES));
            String p = w.add(b + "softmax", new Op.Softmax(3), List.of(sc), w.shape(sc), FP32, why(mixed, WHY_SOFTMAX));
            String o = w.add(b + "attn", new Op.MatMul(false), List.of(p, v), SymShape.of(BATCH, heads, t, dh), g, ""); // probs in [0, 1]
            o = w.transpose(b + "attn.t", o, g, 0, 2, 1, 3);                                            // [2, T, H, D]
            o = w.reshape(b + "attn.merge", o, SymShape.of(BATCH, t, inner), g);                          // [2, T, inner]
            o = w.linear(b + "attn.out", o, k + "attn.to_out.0", inner, dim, g, "");                    // [2, T, dim]
            o = w.eltwise(b + "attn.rows", Op.Binary.MUL, o, keep, FP32, why(mixed, WHY_RESID));        // masked frames -> 0
            o = w.eltwise(b + "attn.gated", Op.Binary.MUL, o, m[2], FP32, why(mixed, WHY_MOD));
            h = w.eltwise(b + "attn.residual", Op.Binary.ADD, h, o, FP32, why(mixed, WHY_RESID));

            String f = modulate(w, b + "ff_norm", h, m[4], m[3], mixed);
            f = w.linear(b + "ff0", f, k + "ff.ff.0.0", dim, ff, g, "");                                // [2, T, ff]
            f = w.act(b + "ff.gelu", f, Op.Activation.GELU_TANH, 0, g);
            f = w.linear(b + "ff2", f, k + "ff.ff.2", ff, dim, g, "");                                  // [2, T, dim]
            f = w.eltwise(b + "ff.gated", Op.Binary.MUL, f, m[5], FP32, why(mixed, WHY_MOD));
            h = w.eltwise(b + "ff.residual", Op.Binary.ADD, h, f, FP32, why(mixed, WHY_RESID));
        }

        // ---- AdaLayerNormZero_Final (scale, shift order) and proj_out
        String mod = w.linear("norm_out.mod", tembSilu, E + "norm_out.linear", dim, 2 * dim, FP32, why(mixed, WHY_OUT));
        String scale = w.reshape("norm_out.scale", w.slice("norm_out.scale.slice", mod, 1, 0, dim, FP32), SymShape.of(BATCH, 1, dim), FP32);
        String shift = w.reshape("norm_out.shift", w.slice("norm_out.shift.slice", mod, 1, dim, dim, FP32), SymShape.of(BATCH, 1, dim), FP32);
        h = modulate(w, "norm_out", h, scale, shift, mixed);
        String out = w.linear("proj_out", h, E + "proj_out", dim, mel, FP32, why(mixed, WHY_OUT));     // [2, T, 80]
        w.transpose(OUTPUT, out, FP32, 0, 2, 1);                                                        // [2, 80, T]
        return w.build(name(mode, maskMode, streaming), mode, profile, List.of(OUTPUT));
    }

    /** LayerNorm (no affine) then {@code x * (1 + scale) + shift}, all fp32. */
    private static String modulate(PlanWriter w, String name, String x, String scale, String shift, boolean mixed) {
        String n = w.add(name + ".ln", new Op.LayerNorm(NORM_EPS), List.of(x), w.shape(x), FP32, why(mixed, WHY_NORM));
        String s1 = w.affine(name + ".scale1p", scale, 1, 1, FP32, why(mixed, WHY_MOD));
        String y = w.eltwise(name + ".scaled", Op.Binary.MUL, n, s1, FP32, why(mixed, WHY_MOD));
        return w.eltwise(name + ".shifted", Op.Binary.ADD, y, shift, FP32, why(mixed, WHY_MOD));
    }

    /** [2, T, H·D] -> [2, H, T, D]. */
    private static String heads(PlanWriter w, String name, String x, int heads, int dh, Precision p) {
        String r = w.reshape(name + ".split", x, SymShape.of(BATCH, Dim.T, heads, dh), p);
        return w.transpose(name, r, p, 0, 2, 1, 3);
    }

    private static String why(boolean mixed, String reason) { return mixed ? reason : ""; }
}
