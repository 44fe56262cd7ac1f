package org.voicestudio.engines.cuda.llm;

import org.voicestudio.engines.cuda.Gemm;

import java.util.Locale;

/**
 * Precision of the LLM's GEMM weights (q/k/v/o, gate/up/down, {@code llm_decoder}) and of the
 * activations fed to those GEMMs. Everything else stays float32 in both modes: embeddings (a row
 * lookup, exact input for free), RMSNorm weights and biases (tiny), the residual stream, RoPE,
 * attention scores and softmax, the KV cache and the log-softmax, and every GEMM accumulates in fp32.
 */
public enum LlmPrecision {
    /** Everything float32, no TF32: the parity path (matches PyTorch float32 to ~1e-5). */
    FP32(Gemm.Operands.FP32),
    /**
     * GEMM weights and their inputs in bfloat16 (round to nearest even), fp32 accumulation: half the
     * bytes of the 0.73 GB read per decode step.
     */
    BF16(Gemm.Operands.BF16);

    final Gemm.Operands operands;

    LlmPrecision(Gemm.Operands operands) { this.operands = operands; }

    boolean bf16() { return this == BF16; }

    public static LlmPrecision parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32", "f32" -> FP32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("unknown LLM precision '" + s + "'; expected fp32 or bf16");
        };
    }
}
