package org.voicestudio.engines.tensorrt.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends layers to a plan while inferring each output shape from the inputs and inserting the casts a
 * strongly typed network needs ({@link #as}). Shape mismatches fail here, at plan time, with the layer named.
 */
final class PlanWriter {
    private final List<TensorSpec> inputs = new ArrayList<>();
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, TensorSpec> tensors = new LinkedHashMap<>();

    String input(String name, SymShape shape, Precision p) {
        TensorSpec t = new TensorSpec(name, shape, p);
        inputs.add(t);
        tensors.put(name, t);
        return name;
    }

    SymShape shape(String t) { return spec(t).shape(); }

    Precision precision(String t) { return spec(t).precision(); }

    private TensorSpec spec(String t) {
        TensorSpec s = tensors.get(t);
        if (s == null) throw new IllegalStateException("no tensor '" + t + "' yet");
        return s;
    }

    /** {@code t} in precision {@code p}: itself, or a cast layer named {@code t + ".to_" + p}. */
    String as(String t, Precision p) {
        if (precision(t) == p) return t;
        String name = t + ".to_" + p.name().toLowerCase(java.util.Locale.ROOT);
        if (tensors.containsKey(name)) return name;
        return add(name, new Op.Cast(p), List.of(t), shape(t), p, "");
    }

    String add(String name, Op op, List<String> in, SymShape out, Precision p, String why) {
        List<String> typed = new ArrayList<>();
        for (String i : in) typed.add(op instanceof Op.Cast ? i : as(i, p));
        TensorSpec t = new TensorSpec(name, out, p);
        layers.add(new Layer(op, typed, t, why));
        if (tensors.put(name, t) != null) throw new IllegalStateException("tensor name '" + name + "' used twice");
        return name;
    }

    // ---- ops with shape inference ---------------------------------------------------------------------------

    String linear(String name, String x, String key, int in, int out, Precision p, String why) {
        SymShape s = shape(x);
        requireFixed(name, s.dim(-1), in, "input features");
        return add(name, new Op.Linear(key + ".weight", key + ".bias", in, out), List.of(x), s.with(-1, Dim.of(out)), p, why);
    }

    String conv1d(String name, String x, String key, int in, int out, int kernel, int groups, int stride, int dilation,
                  int padLeft, int padRight, Precision p, String why) {
        SymShape s = shape(x);
        if (s.rank() != 3) throw new IllegalStateException(name + ": conv1d needs (B, C, L), got " + s);
        requireFixed(name, s.dim(1), in, "input channels");
        Op.Conv1d op = new Op.Conv1d(key + ".weight", key + ".bias", in, out, kernel, groups, stride, dilation, padLeft, padRight);
        Dim length = switch (s.dim(2)) {
            case Dim.Fixed f -> Dim.of(op.outLength(f.size()));
            case Dim.Frames f -> {
                // (aT + b + pads - d(k-1) - 1) / s + 1 stays affine in T only when s divides a and the rest
                long num = f.offset() + padLeft + padRight - (long) dilation * (kernel - 1) - 1;
                if (f.scale() % stride != 0 || Math.floorMod(num, stride) != 0) {
                    throw new IllegalStateException(name + ": length " + f + " with stride " + stride + " is not affine in T");
                }
                yield new Dim.Frames(f.scale() / stride, Math.floorDiv(num, stride) + 1);
            }
        };
        return add(name, op, List.of(x), SymShape.of(s.dim(0), out, length), p, why);
    }

    String act(String name, String x, Op.Activation kind, double alpha, Precision p) {
        return add(name, new Op.Act(kind, alpha), List.of(x), shape(x), p, "");
    }

    String eltwise(String name, Op.Binary kind, String a, String b, Precision p, String why) {
        return add(name, new Op.Eltwise(kind), List.of(a, b), broadcast(name, shape(a), shape(b)), p, why);
    }

    String affine(String name, String x, double scale, double shift, Precision p, String why) {
        return add(name, new Op.Affine(scale, shift), List.of(x), shape(x), p, why);
    }

    String reshape(String name, String x, SymShape to, Precision p) {
        return add(name, new Op.Reshape(to), List.of(x), to, p, "");
    }

    String transpose(String name, String x, Precision p, int... perm) {
        SymShape s = shape(x);
        List<Dim> d = new ArrayList<>();
        for (int i : perm) d.add(s.dim(i));
        return add(name, new Op.Transpose(perm.clone()), List.of(x), new SymShape(d), p, "");
    }

    String slice(String name, String x, int axis, long start, long size, Precision p) {
        return add(name, new Op.Slice(axis, start, Dim.of(size)), List.of(x), shape(x).with(axis, Dim.of(size)), p, "");
    }

    String concat(String name, int axis, Precision p, String... xs) {
        SymShape first = shape(xs[0]);
        int ax = axis < 0 ? first.rank() + axis : axis;
        long fixed = 0;
        Dim.Frames frames = null;
        for (String x : xs) {
            switch (shape(x).dim(ax)) {
                case Dim.Fixed f -> fixed += f.size();
                case Dim.Frames f -> frames = frames == null ? f : new Dim.Frames(frames.scale() + f.scale(), frames.offset() + f.offset());
            }
        }
        Dim d = frames == null ? Dim.of(fixed) : new Dim.Frames(frames.scale(), frames.offset() + fixed);
        return add(name, new Op.Concat(ax), List.of(xs), first.with(ax, d), p, "");
    }

    LayerPlan build(String planName, PrecisionMode mode, FrameProfile profile, List<String> outputs) {
        return new LayerPlan(planName, mode, profile, inputs, layers, outputs);
    }

    private static void requireFixed(String layer, Dim d, long expected, String what) {
        if (!(d instanceof Dim.Fixed f) || f.size() != expected) {
            throw new IllegalStateException(layer + ": " + what + " are " + d + ", the weights expect " + expected);
        }
    }

    /** numpy broadcasting of two symbolic shapes (size-1 dimensions stretch). */
    static SymShape broadcast(String layer, SymShape a, SymShape b) {
        if (a.rank() != b.rank()) throw new IllegalStateException(layer + ": cannot broadcast " + a + " with " + b + " (ranks differ)");
        List<Dim> d = new ArrayList<>();
        for (int i = 0; i < a.rank(); i++) {
            Dim x = a.dim(i), y = b.dim(i);
            if (x.equals(y) || y.equals(Dim.of(1))) d.add(x);
            else if (x.equals(Dim.of(1))) d.add(y);
            else throw new IllegalStateException(layer + ": cannot broadcast " + a + " with " + b + " at axis " + i);
        }
        return new SymShape(d);
    }
}
