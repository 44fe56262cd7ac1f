package org.voicestudio.engines.tensorrt.plan;

import java.util.List;

/**
 * What one plan layer computes. Each maps to one or a few TensorRT network-definition calls in
 * {@code TensorRtNetworkBuilder}; weights are named by their {@code flow.pt} / {@code hift.pt} keys.
 */
public sealed interface Op {

    /** Checkpoint keys the op reads (empty for weight-free ops). */
    default List<String> weightKeys() { return List.of(); }

    /** {@code x @ W^T + b} over the last axis: W (out, in), b (out). */
    record Linear(String weight, String bias, int in, int out) implements Op {
        @Override public List<String> weightKeys() { return List.of(weight, bias); }
    }

    /** Conv1d on (B, in, L) with explicit zero padding (left, right): W (out, in/groups, kernel), b (out). */
    record Conv1d(String weight, String bias, int in, int out, int kernel, int groups, int stride, int dilation,
                  int padLeft, int padRight) implements Op {
        @Override public List<String> weightKeys() { return List.of(weight, bias); }
        /** Output length for input length L. */
        public long outLength(long length) {
            return (length + padLeft + padRight - (long) dilation * (kernel - 1) - 1) / stride + 1;
        }
    }

    enum Activation { SILU, MISH, GELU_TANH, LEAKY_RELU, ELU }

    /** Pointwise activation; {@code alpha} is the LeakyReLU slope (unused otherwise). */
    record Act(Activation kind, double alpha) implements Op {}

    /** Snake {@code x + sin²(αx)/α} with a per-channel α (B, C, L). */
    record Snake(String alpha, int channels) implements Op {
        @Override public List<String> weightKeys() { return List.of(alpha); }
    }

    /** LayerNorm over the last axis without affine parameters (the DiT's norms): a reduction, kept fp32. */
    record LayerNorm(double eps) implements Op {}

    enum Binary { ADD, SUB, MUL }

    /** Broadcasting elementwise op of two inputs. */
    record Eltwise(Binary kind) implements Op {}

    /** {@code x * scale + shift} with scalars. */
    record Affine(double scale, double shift) implements Op {}

    /** Softmax over {@code axis}: a reduction, kept fp32. */
    record Softmax(int axis) implements Op {}

    /** Batched matmul of two inputs; {@code transposeB} for {@code q @ k^T}. */
    record MatMul(boolean transposeB) implements Op {}

    /** Reshape to {@code shape} (may contain T). */
    record Reshape(SymShape shape) implements Op {}

    /** Permute axes. */
    record Transpose(int[] perm) implements Op {}

    /** Concatenate the inputs along {@code axis}. */
    record Concat(int axis) implements Op {}

    /** {@code x[..., start : start + size, ...]} along {@code axis}. */
    record Slice(int axis, long start, Dim size) implements Op {}

    /** Broadcast (B, C) to (B, T, C) along a new frame axis 1, T taken from the second input. */
    record BroadcastFrames() implements Op {}

    /** Cast to another element type (the only layer whose input and output types differ). */
    record Cast(Precision to) implements Op {}

    /** {@code SinusPositionEmbedding(dim)(scale · t)}: t (B) to [sin, cos] (B, dim). */
    record SinusoidalEmbedding(int dim, double scale) implements Op {}

    /**
     * x-transformers RoPE, interleaved pairs, on the first {@code dimHead} channels of (B, T, inner) only
     * (the F5-TTS quirk, reference §4.3); angles from {@code inv_freq} and positions 0..T-1 up to the profile max.
     */
    record Rope(String invFreq, int dimHead, int maxFrames) implements Op {
        @Override public List<String> weightKeys() { return List.of(invFreq); }
    }

    /**
     * Additive attention bias (B, 1, T, T) from the frame-validity mask (B, 1, T): 0 where key j may be seen,
     * a large negative value elsewhere; with {@code chunk > 0} only keys in the query's chunk or earlier ones.
     */
    record AttentionBias(int chunk) implements Op {}

    /** Nearest-neighbour upsampling of the last axis by {@code factor}. */
    record UpsampleNearest(int factor) implements Op {}

    /** {@code ReflectionPad1d((pad, 0))} on the last axis. */
    record ReflectPadLeft(int pad) implements Op {}
}
