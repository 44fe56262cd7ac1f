package org.voicestudio.engines.tensorrt.plan;

import org.voicestudio.inference.tensor.StateDict;

import java.util.HashMap;
import java.util.Map;

/**
 * Test oracle: evaluates a {@link LayerPlan} op by op on the CPU in plain Java, so that the plan's semantics
 * (layer order, wiring, weights, masks) can be checked against the official tensors without TensorRT.
 * Reduced precision is emulated on storage: weights and outputs of FP16/BF16 layers are rounded to that type
 * (TensorRT's tensor-core GEMMs also round inputs and outputs, and accumulate in fp32 like this does).
 * It is not an engine and is not used outside tests.
 */
final class PlanInterpreter {
    record Value(long[] shape, float[] data) {}

    private final LayerPlan plan;
    private final StateDict weights;

    PlanInterpreter(LayerPlan plan, StateDict weights) {
        this.plan = plan;
        this.weights = weights;
    }

    Map<String, float[]> run(int frames, Map<String, float[]> inputs) {
        Map<String, Value> v = new HashMap<>();
        for (TensorSpec in : plan.inputs()) v.put(in.name(), new Value(in.shape().resolve(frames), inputs.get(in.name()).clone()));
        for (Layer l : plan.layers()) {
            Value out = eval(l, v, frames);
            long[] expected = l.output().shape().resolve(frames);
            if (!java.util.Arrays.equals(expected, out.shape)) {
                throw new AssertionError(l.name() + ": computed shape " + java.util.Arrays.toString(out.shape) + ", plan says " + java.util.Arrays.toString(expected));
            }
            round(out.data, l.precision());
            v.put(l.name(), out);
        }
        Map<String, float[]> res = new HashMap<>();
        for (String o : plan.outputs()) res.put(o, v.get(o).data);
        return res;
    }

    private float[] w(String key, Precision p) {
        float[] a = weights.get(key).toFloats();
        round(a, p);
        return a;
    }

    private Value eval(Layer l, Map<String, Value> v, int frames) {
        Value x = v.get(l.inputs().get(0));
        Precision p = l.precision();
        return switch (l.op()) {
            case Op.Linear op -> {
                float[] W = w(op.weight(), p), b = w(op.bias(), p);
                int rows = x.data.length / op.in();
                float[] y = new float[rows * op.out()];
                for (int r = 0; r < rows; r++) {
                    for (int o = 0; o < op.out(); o++) {
                        float s = 0;
                        for (int i = 0; i < op.in(); i++) s += x.data[r * op.in() + i] * W[o * op.in() + i];
                        y[r * op.out() + o] = s + b[o];
                    }
                }
                long[] sh = x.shape.clone();
                sh[sh.length - 1] = op.out();
                yield new Value(sh, y);
            }
            case Op.Conv1d op -> {
                float[] W = w(op.weight(), p), b = w(op.bias(), p);
                int B = (int) x.shape[0], C = op.in(), L = (int) x.shape[2], O = op.out(), K = op.kernel(), g = op.groups();
                int Lo = (int) op.outLength(L), cin = C / g, cout = O / g;
                float[] y = new float[B * O * Lo];
                for (int bb = 0; bb < B; bb++) for (int o = 0; o < O; o++) {
                    int grp = o / cout;
                    for (int t = 0; t < Lo; t++) {
                        float s = b[o];
                        for (int i = 0; i < cin; i++) for (int k = 0; k < K; k++) {
                            int src = t * op.stride() + k * op.dilation() - op.padLeft();
                            if (src < 0 || src >= L) continue;
                            s += W[(o * cin + i) * K + k] * x.data[(bb * C + grp * cin + i) * L + src];
                        }
                        y[(bb * O + o) * Lo + t] = s;
                    }
                }
                yield new Value(new long[] {B, O, Lo}, y);
            }
            case Op.Act op -> {
                float[] y = new float[x.data.length];
                for (int i = 0; i < y.length; i++) {
                    double a = x.data[i];
                    y[i] = (float) switch (op.kind()) {
                        case SILU -> a / (1 + Math.exp(-a));
                        case MISH -> a * Math.tanh(Math.log1p(Math.exp(a)));
                        case GELU_TANH -> 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
                        case LEAKY_RELU -> a >= 0 ? a : a * op.alpha();
                        case ELU -> a >= 0 ? a : Math.expm1(a);
                    };
                }
                yield new Value(x.shape, y);
            }
            case Op.Snake op -> {
                float[] alpha = w(op.alpha(), p);
                int C = op.channels(), L = (int) x.shape[2];
                float[] y = new float[x.data.length];
                for (int i = 0; i < y.length; i++) {
                    int c = (i / L) % C;
                    double s = Math.sin(alpha[c] * x.data[i]);
                    y[i] = (float) (x.data[i] + s * s / (alpha[c] + 1e-9));
                }
                yield new Value(x.shape, y);
            }
            case Op.LayerNorm op -> {
                int C = (int) x.shape[x.shape.length - 1];
                float[] y = new float[x.data.length];
                for (int r = 0; r < y.length / C; r++) {
                    double mean = 0, var = 0;
                    for (int c = 0; c < C; c++) mean += x.data[r * C + c];
                    mean /= C;
                    for (int c = 0; c < C; c++) { double d = x.data[r * C + c] - mean; var += d * d; }
                    var /= C;
                    double inv = 1 / Math.sqrt(var + op.eps());
                    for (int c = 0; c < C; c++) y[r * C + c] = (float) ((x.data[r * C + c] - mean) * inv);
                }
                yield new Value(x.shape, y);
            }
            case Op.Eltwise op -> {
                Value z = v.get(l.inputs().get(1));
                long[] sh = new long[x.shape.length];
                for (int i = 0; i < sh.length; i++) sh[i] = Math.max(x.shape[i], z.shape[i]);
                float[] y = new float[(int) org.voicestudio.inference.tensor.Tensor.numel(sh)];
                int[] idx = new int[sh.length];
                for (int n = 0; n < y.length; n++) {
                    int rem = n;
                    for (int d = sh.length - 1; d >= 0; d--) { idx[d] = (int) (rem % sh[d]); rem /= (int) sh[d]; }
                    float a = x.data[offset(x.shape, idx)], b = z.data[offset(z.shape, idx)];
                    y[n] = switch (op.kind()) { case ADD -> a + b; case SUB -> a - b; case MUL -> a * b; };
                }
                yield new Value(sh, y);
            }
            case Op.Affine op -> {
                float[] y = new float[x.data.length];
                for (int i = 0; i < y.length; i++) y[i] = (float) (x.data[i] * (float) op.scale() + (float) op.shift());
                yield new Value(x.shape, y);
            }
            case Op.Softmax op -> {
                if (op.axis() != x.shape.length - 1) throw new UnsupportedOperationException("softmax over a non-last axis");
                int C = (int) x.shape[op.axis()];
                float[] y = new float[x.data.length];
                for (int r = 0; r < y.length / C; r++) {
                    double m = Double.NEGATIVE_INFINITY, s = 0;
                    for (int c = 0; c < C; c++) m = Math.max(m, x.data[r * C + c]);
                    for (int c = 0; c < C; c++) s += Math.exp(x.data[r * C + c] - m);
                    for (int c = 0; c < C; c++) y[r * C + c] = (float) (Math.exp(x.data[r * C + c] - m) / s);
                }
                yield new Value(x.shape, y);
            }
            case Op.MatMul op -> {
                Value z = v.get(l.inputs().get(1));
                int r = x.shape.length;
                int M = (int) x.shape[r - 2], K = (int) x.shape[r - 1];
                int N = (int) (op.transposeB() ? z.shape[r - 2] : z.shape[r - 1]);
                int batch = x.data.length / (M * K);
                float[] y = new float[batch * M * N];
                for (int bb = 0; bb < batch; bb++) for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) {
                    float s = 0;
                    for (int k = 0; k < K; k++) {
                        float bv = op.transposeB() ? z.data[(bb * N + j) * K + k] : z.data[(bb * K + k) * N + j];
                        s += x.data[(bb * M + i) * K + k] * bv;
                    }
                    y[(bb * M + i) * N + j] = s;
                }
                long[] sh = x.shape.clone();
                sh[r - 1] = N;
                yield new Value(sh, y);
            }
            case Op.Reshape op -> new Value(op.shape().resolve(frames), x.data);
            case Op.Transpose op -> {
                int r = x.shape.length;
                long[] sh = new long[r];
                for (int i = 0; i < r; i++) sh[i] = x.shape[op.perm()[i]];
                float[] y = new float[x.data.length];
                int[] idx = new int[r], src = new int[r];
                for (int n = 0; n < y.length; n++) {
                    int rem = n;
                    for (int d = r - 1; d >= 0; d--) { idx[d] = (int) (rem % sh[d]); rem /= (int) sh[d]; }
                    for (int d = 0; d < r; d++) src[op.perm()[d]] = idx[d];
                    y[n] = x.data[offset(x.shape, src)];
                }
                yield new Value(sh, y);
            }
            case Op.Concat op -> {
                Value[] parts = l.inputs().stream().map(v::get).toArray(Value[]::new);
                long[] sh = parts[0].shape.clone();
                sh[op.axis()] = 0;
                for (Value part : parts) sh[op.axis()] += part.shape[op.axis()];
                int outer = 1, inner = 1;
                for (int d = 0; d < op.axis(); d++) outer *= (int) sh[d];
                for (int d = op.axis() + 1; d < sh.length; d++) inner *= (int) sh[d];
                float[] y = new float[outer * (int) sh[op.axis()] * inner];
                int pos = 0;
                for (int o = 0; o < outer; o++) for (Value part : parts) {
                    int n = (int) part.shape[op.axis()] * inner;
                    System.arraycopy(part.data, o * n, y, pos, n);
                    pos += n;
                }
                yield new Value(sh, y);
            }
            case Op.Slice op -> sliceAxis(x, op.axis(), (int) op.start(), (int) op.size().resolve(frames));
            case Op.BroadcastFrames op -> {
                Value ref = v.get(l.inputs().get(1));
                int B = (int) x.shape[0], C = (int) x.shape[1], T = (int) ref.shape[1];
                float[] y = new float[B * T * C];
                for (int bb = 0; bb < B; bb++) for (int t = 0; t < T; t++) System.arraycopy(x.data, bb * C, y, (bb * T + t) * C, C);
                yield new Value(new long[] {B, T, C}, y);
            }
            case Op.Cast op -> {
                float[] y = x.data.clone();
                round(y, op.to());
                yield new Value(x.shape, y);
            }
            case Op.SinusoidalEmbedding op -> {
                int half = op.dim() / 2, B = x.data.length;
                double step = Math.log(10000) / (half - 1);
                float[] y = new float[B * op.dim()];
                for (int bb = 0; bb < B; bb++) for (int i = 0; i < half; i++) {
                    float arg = x.data[bb] * (float) op.scale() * (float) Math.exp(-step * i);
                    y[bb * op.dim() + i] = (float) Math.sin(arg);
                    y[bb * op.dim() + half + i] = (float) Math.cos(arg);
                }
                yield new Value(new long[] {B, op.dim()}, y);
            }
            case Op.Rope op -> {
                float[] invFreq = weights.get(op.invFreq()).toFloats();
                int B = (int) x.shape[0], T = (int) x.shape[1], C = (int) x.shape[2], dh = op.dimHead();
                float[] y = x.data.clone();
                for (int bb = 0; bb < B; bb++) for (int t = 0; t < T; t++) for (int c = 0; c < dh; c += 2) {
                    float angle = (float) t * invFreq[c / 2];
                    float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
                    int base = (bb * T + t) * C + c;
                    float x1 = x.data[base], x2 = x.data[base + 1];
                    y[base] = x1 * cos - x2 * sin;
                    y[base + 1] = x2 * cos + x1 * sin;
                }
                yield new Value(x.shape, y);
            }
            case Op.AttentionBias op -> {
                int B = (int) x.shape[0], T = (int) x.shape[2];
                int rows = op.chunk() > 0 ? T : 1;
                float[] y = new float[B * rows * T];
                for (int bb = 0; bb < B; bb++) for (int i = 0; i < rows; i++) for (int j = 0; j < T; j++) {
                    boolean ok = x.data[bb * T + j] != 0 && (op.chunk() <= 0 || j / op.chunk() <= i / op.chunk());
                    y[(bb * rows + i) * T + j] = ok ? 0f : -1e9f;
                }
                yield new Value(op.chunk() > 0 ? new long[] {B, 1, T, T} : new long[] {B, 1, 1, T}, y);
            }
            case Op.UpsampleNearest op -> {
                int L = (int) x.shape[2], rows = x.data.length / L, f = op.factor();
                float[] y = new float[x.data.length * f];
                for (int r = 0; r < rows; r++) for (int t = 0; t < L * f; t++) y[r * L * f + t] = x.data[r * L + t / f];
                yield new Value(new long[] {x.shape[0], x.shape[1], (long) L * f}, y);
            }
            case Op.ReflectPadLeft op -> {
                int L = (int) x.shape[2], rows = x.data.length / L, pad = op.pad();
                float[] y = new float[rows * (L + pad)];
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < pad; k++) y[r * (L + pad) + k] = x.data[r * L + pad - k];
                    System.arraycopy(x.data, r * L, y, r * (L + pad) + pad, L);
                }
                yield new Value(new long[] {x.shape[0], x.shape[1], (long) L + pad}, y);
            }
        };
    }

    private static Value sliceAxis(Value x, int axis, int start, int size) {
        long[] sh = x.shape.clone();
        sh[axis] = size;
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= (int) x.shape[d];
        for (int d = axis + 1; d < sh.length; d++) inner *= (int) x.shape[d];
        int len = (int) x.shape[axis];
        float[] y = new float[outer * size * inner];
        for (int o = 0; o < outer; o++) System.arraycopy(x.data, (o * len + start) * inner, y, o * size * inner, size * inner);
        return new Value(sh, y);
    }

    /** Row-major offset of a broadcast index (size-1 dimensions read index 0). */
    private static int offset(long[] shape, int[] idx) {
        int off = 0;
        for (int d = 0; d < shape.length; d++) off = off * (int) shape[d] + (shape[d] == 1 ? 0 : idx[d]);
        return off;
    }

    static void round(float[] a, Precision p) {
        switch (p) {
            case FP32 -> {}
            case FP16 -> { for (int i = 0; i < a.length; i++) a[i] = Float.float16ToFloat(Float.floatToFloat16(a[i])); }
            case BF16 -> {
                for (int i = 0; i < a.length; i++) {
                    int bits = Float.floatToRawIntBits(a[i]);
                    a[i] = Float.intBitsToFloat(((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) << 16);
                }
            }
        }
    }
}
