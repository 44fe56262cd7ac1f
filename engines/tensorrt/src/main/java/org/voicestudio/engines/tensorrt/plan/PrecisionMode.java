package org.voicestudio.engines.tensorrt.plan;

/**
 * How a network is typed. {@code FP32}: everything float32 (TF32 off). The mixed modes are built as
 * STRONGLY_TYPED networks (reference §4.4, §9): the GEMMs and convolutions run in half precision, while
 * everything that overflowed or lost precision in the community's naked-fp16 builds stays float32:
 * LayerNorm and the AdaLN modulation, the attention scores and softmax, the residual stream, the time MLP
 * and the final norm + projection. A naked {@code BuilderFlag.FP16} build of the same DiT is known to give
 * NaN audio (#1930, #1822, PR #1803); it is deliberately not offered.
 */
public enum PrecisionMode {
    FP32(Precision.FP32),
    MIXED_FP16(Precision.FP16),
    MIXED_BF16(Precision.BF16);

    private final Precision gemm;

    PrecisionMode(Precision gemm) { this.gemm = gemm; }

    /** The type of the GEMM/convolution layers that may run in reduced precision. */
    public Precision gemm() { return gemm; }

    public boolean mixed() { return this != FP32; }

    /** Command-line / settings spelling: fp32, fp16, bf16. */
    public static PrecisionMode parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "fp32", "float32" -> FP32;
            case "fp16", "mixed-fp16", "half" -> MIXED_FP16;
            case "bf16", "mixed-bf16" -> MIXED_BF16;
            default -> throw new IllegalArgumentException("unknown TensorRT precision '" + s + "' (expected fp32, fp16 or bf16)");
        };
    }
}
