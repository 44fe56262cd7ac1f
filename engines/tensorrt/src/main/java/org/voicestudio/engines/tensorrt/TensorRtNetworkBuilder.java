package org.voicestudio.engines.tensorrt;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IConvolutionLayer;
import org.bytedeco.tensorrt.nvinfer.IFillLayer;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILayer;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.IResizeLayer;
import org.bytedeco.tensorrt.nvinfer.IShuffleLayer;
import org.bytedeco.tensorrt.nvinfer.ISliceLayer;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.Permutation;
import org.bytedeco.tensorrt.nvinfer.Weights;
import org.voicestudio.engines.tensorrt.cache.BuildOptions;
import org.voicestudio.engines.tensorrt.plan.Dim;
import org.voicestudio.engines.tensorrt.plan.Layer;
import org.voicestudio.engines.tensorrt.plan.LayerPlan;
import org.voicestudio.engines.tensorrt.plan.Op;
import org.voicestudio.engines.tensorrt.plan.Precision;
import org.voicestudio.engines.tensorrt.plan.SymShape;
import org.voicestudio.engines.tensorrt.plan.TensorSpec;
import org.voicestudio.inference.tensor.StateDict;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.bytedeco.tensorrt.global.nvinfer.*;

/**
 * Translates a {@link LayerPlan} into TensorRT network-definition calls and builds a serialized engine.
 * Mixed plans are created with the STRONGLY_TYPED flag: the plan's explicit casts and the constants' types
 * decide every layer's precision (no {@code setPrecision}, no FP16 builder flag); fp32 plans are built without
 * reduced-precision flags and, unless the options allow it, with TF32 cleared.
 *
 * <p>NOT RUN: no machine of this project has TensorRT. This class compiles against the 10.15 bindings;
 * the plan it walks is tested in plain Java, the calls themselves only on a user's machine
 * ({@link TensorRtDoctor}).
 */
public final class TensorRtNetworkBuilder implements AutoCloseable {
    /** Additive bias of a masked key: exp underflows to 0 in fp32 softmax, like SDPA's -inf for a boolean mask. */
    static final float MASKED = -1e9f;

    private final LayerPlan plan;
    private final StateDict weights;
    private final INetworkDefinition network;
    private final Map<String, ITensor> tensors = new HashMap<>();
    /** TensorRT keeps pointers to constant weights until the engine is built. */
    private final List<Pointer> keepAlive = new ArrayList<>();

    private TensorRtNetworkBuilder(LayerPlan plan, StateDict weights, INetworkDefinition network) {
        this.plan = plan;
        this.weights = weights;
        this.network = network;
    }

    /** Builds the serialized engine of {@code plan} with weights from {@code weights} (keys as in the plan). */
    public static byte[] build(LayerPlan plan, StateDict weights, BuildOptions options, ILogger logger) {
        IBuilder builder = createInferBuilder(logger);
        if (builder == null || builder.isNull()) throw new IllegalStateException("TensorRT could not create a builder (is a CUDA GPU visible?)");
        int flags = plan.mode().mixed() ? 1 << NetworkDefinitionCreationFlag.kSTRONGLY_TYPED.value : 0;
        INetworkDefinition network = builder.createNetworkV2(flags);
        try (TensorRtNetworkBuilder b = new TensorRtNetworkBuilder(plan, weights, network)) {
            b.define();
            IBuilderConfig config = builder.createBuilderConfig();
            config.setMemoryPoolLimit(MemoryPoolType.kWORKSPACE, options.workspaceBytes());
            config.setBuilderOptimizationLevel(options.optimizationLevel());
            if (!options.tf32()) config.clearFlag(BuilderFlag.kTF32);
            IOptimizationProfile profile = builder.createOptimizationProfile();
            for (TensorSpec in : plan.inputs()) {
                if (in.shape().isStatic()) continue;
                profile.setDimensions(in.name(), OptProfileSelector.kMIN, dims(in.shape().resolve(plan.profile().min())));
                profile.setDimensions(in.name(), OptProfileSelector.kOPT, dims(in.shape().resolve(plan.profile().opt())));
                profile.setDimensions(in.name(), OptProfileSelector.kMAX, dims(in.shape().resolve(plan.profile().max())));
            }
            config.addOptimizationProfile(profile);
            IHostMemory serialized = builder.buildSerializedNetwork(network, config);
            if (serialized == null || serialized.isNull()) {
                throw new IllegalStateException("TensorRT could not build " + plan.name() + " (see the TensorRT log above)");
            }
            byte[] bytes = new byte[(int) serialized.size()];
            new BytePointer(serialized.data()).capacity(serialized.size()).get(bytes);
            serialized.close();
            config.close();
            return bytes;
        } finally {
            network.close();
            builder.close();
        }
    }

    private void define() {
        for (TensorSpec in : plan.inputs()) {
            long[] d = new long[in.shape().rank()];
            for (int i = 0; i < d.length; i++) d[i] = in.shape().dim(i) instanceof Dim.Fixed f ? f.size() : -1;
            tensors.put(in.name(), network.addInput(new BytePointer(in.name()), type(in.precision()).value, dims(d)));
        }
        for (Layer l : plan.layers()) {
            ITensor out = layer(l);
            out.setName(l.name());
            tensors.put(l.name(), out);
        }
        for (String o : plan.outputs()) network.markOutput(tensors.get(o));
    }

    private ITensor in(Layer l, int i) { return tensors.get(l.inputs().get(i)); }

    private ITensor layer(Layer l) {
        Precision p = l.precision();
        int rank = l.output().shape().rank();
        return switch (l.op()) {
            case Op.Linear op -> {
                long[] wShape = ones(rank);
                wShape[rank - 2] = op.out();
                wShape[rank - 1] = op.in();
                ITensor w = constant(weights.get(op.weight(), op.out(), op.in()).toFloats(), wShape, p);
                ITensor y = network.addMatrixMultiply(in(l, 0), MatrixOperation.kNONE, w, MatrixOperation.kTRANSPOSE).getOutput(0);
                long[] bShape = ones(rank);
                bShape[rank - 1] = op.out();
                yield add(y, constant(weights.get(op.bias(), op.out()).toFloats(), bShape, p));
            }
            case Op.Conv1d op -> conv1d(in(l, 0), op, p);
            case Op.Act op -> activation(in(l, 0), op);
            case Op.Snake op -> {
                float[] alpha = weights.get(op.alpha(), op.channels()).toFloats();
                float[] inv = new float[alpha.length];
                for (int i = 0; i < alpha.length; i++) inv[i] = 1f / (alpha[i] + 1e-9f);
                ITensor x = in(l, 0);
                ITensor s = unary(mul(x, constant(alpha, new long[] {1, op.channels(), 1}, p)), UnaryOperation.kSIN);
                yield add(x, mul(mul(s, s), constant(inv, new long[] {1, op.channels(), 1}, p)));
            }
            case Op.LayerNorm op -> {
                long c = ((Dim.Fixed) l.output().shape().dim(-1)).size();
                long[] shape = ones(rank);
                shape[rank - 1] = c;
                float[] one = new float[(int) c];
                java.util.Arrays.fill(one, 1f);
                var norm = network.addNormalization(in(l, 0), constant(one, shape, p), constant(new float[(int) c], shape, p), 1 << (rank - 1));
                norm.setEpsilon((float) op.eps());
                yield norm.getOutput(0);
            }
            case Op.Eltwise op -> network.addElementWise(in(l, 0), in(l, 1), switch (op.kind()) {
                case ADD -> ElementWiseOperation.kSUM;
                case SUB -> ElementWiseOperation.kSUB;
                case MUL -> ElementWiseOperation.kPROD;
            }).getOutput(0);
            case Op.Affine op -> add(mul(in(l, 0), scalar((float) op.scale(), rank, p)), scalar((float) op.shift(), rank, p));
            case Op.Softmax op -> {
                var sm = network.addSoftMax(in(l, 0));
                sm.setAxes(1 << op.axis());
                yield sm.getOutput(0);
            }
            case Op.MatMul op -> network.addMatrixMultiply(in(l, 0), MatrixOperation.kNONE, in(l, 1),
                    op.transposeB() ? MatrixOperation.kTRANSPOSE : MatrixOperation.kNONE).getOutput(0);
            case Op.Reshape op -> reshape(in(l, 0), op.shape());
            case Op.Transpose op -> {
                IShuffleLayer s = network.addShuffle(in(l, 0));
                Permutation perm = new Permutation();
                for (int i = 0; i < op.perm().length; i++) perm.order(i, op.perm()[i]);
                s.setFirstTranspose(perm);
                yield s.getOutput(0);
            }
            case Op.Concat op -> concat(op.axis(), l.inputs().stream().map(tensors::get).toArray(ITensor[]::new));
            case Op.Slice op -> {
                long[] start = new long[rank], size = l.output().shape().resolve(1), stride = ones(rank);
                start[op.axis()] = op.start();
                yield network.addSlice(in(l, 0), dims(start), dims(size), dims(stride)).getOutput(0);
            }
            case Op.BroadcastFrames op -> {
                // (B, C) -> (B, 1, C), then a wrapping slice over the frame axis sized like the reference tensor:
                // kWRAP reads index t mod 1 = 0, i.e. repeats the row T times
                IShuffleLayer r = network.addShuffle(in(l, 0));
                r.setReshapeDimensions(dims(new long[] {0, 1, -1}));
                ISliceLayer s = network.addSlice(r.getOutput(0), dims(new long[] {0, 0, 0}), dims(new long[] {1, 1, 1}), dims(ones(3)));
                s.setMode(SampleMode.kWRAP);
                s.setInput(2, network.addShape(in(l, 1)).getOutput(0));
                yield s.getOutput(0);
            }
            case Op.Cast op -> network.addCast(in(l, 0), type(op.to())).getOutput(0);
            case Op.SinusoidalEmbedding op -> {
                int half = op.dim() / 2;
                double step = Math.log(10000) / (half - 1);
                float[] freqs = new float[half];
                for (int i = 0; i < half; i++) freqs[i] = (float) Math.exp(-step * (float) i);
                ITensor t = reshape(in(l, 0), SymShape.of(l.output().shape().dim(0), 1));             // [B, 1]
                ITensor arg = mul(mul(t, scalar((float) op.scale(), 2, p)), constant(freqs, new long[] {1, half}, p)); // [B, half]
                yield concat(1, unary(arg, UnaryOperation.kSIN), unary(arg, UnaryOperation.kCOS));
            }
            case Op.Rope op -> rope(in(l, 0), op, ((Dim.Fixed) l.output().shape().dim(-1)).size(), p);
            case Op.AttentionBias op -> attentionBias(in(l, 0), op.chunk(), p);
            case Op.UpsampleNearest op -> {
                IResizeLayer r = network.addResize(in(l, 0));
                r.setResizeMode(InterpolationMode.kNEAREST);
                r.setNearestRounding(ResizeRoundMode.kFLOOR);
                r.setCoordinateTransformation(ResizeCoordinateTransformation.kASYMMETRIC);
                r.setScales(new float[] {1, 1, op.factor()}, 3);
                yield r.getOutput(0);
            }
            case Op.ReflectPadLeft op -> {
                // ReflectionPad1d((pad, 0)) = concat(x[..., pad:0:-1], x); pad is 1 in HiFT: x[..., 1:2]
                if (op.pad() != 1) throw new UnsupportedOperationException("reflection padding of " + op.pad() + " (HiFT uses 1)");
                ITensor x = in(l, 0);
                ISliceLayer s = network.addSlice(x, dims(new long[] {0, 0, 1}), dims(new long[] {1, 1, 1}), dims(ones(3)));
                s.setInput(2, shapeWith(x, 3, 2, 1));
                yield concat(2, s.getOutput(0), x);
            }
        };
    }

    // ---- composite ops --------------------------------------------------------------------------------------

    /** (B, C, L) as (B, C, 1, L): explicit zero padding, a 2-D convolution with a (1, k) kernel, back to 3-D. */
    private ITensor conv1d(ITensor x, Op.Conv1d op, Precision p) {
        IShuffleLayer up = network.addShuffle(x);
        up.setReshapeDimensions(dims(new long[] {0, 0, 1, -1}));
        ITensor x4 = up.getOutput(0);
        if (op.padLeft() > 0 || op.padRight() > 0) {
            x4 = network.addPaddingNd(x4, dims(new long[] {0, op.padLeft()}), dims(new long[] {0, op.padRight()})).getOutput(0);
        }
        long[] wShape = {op.out(), op.in() / op.groups(), op.kernel()};
        Weights w = weights(weights.get(op.weight(), wShape).toFloats(), p);
        Weights b = weights(weights.get(op.bias(), op.out()).toFloats(), p);
        IConvolutionLayer conv = network.addConvolutionNd(x4, op.out(), dims(new long[] {1, op.kernel()}), w, b);
        conv.setNbGroups(op.groups());
        conv.setStrideNd(dims(new long[] {1, op.stride()}));
        conv.setDilationNd(dims(new long[] {1, op.dilation()}));
        IShuffleLayer down = network.addShuffle(conv.getOutput(0));
        down.setReshapeDimensions(dims(new long[] {0, 0, -1}));
        return down.getOutput(0);
    }

    private ITensor activation(ITensor x, Op.Act op) {
        return switch (op.kind()) {
            case SILU -> mul(x, network.addActivation(x, ActivationType.kSIGMOID).getOutput(0));
            case MISH -> {
                var sp = network.addActivation(x, ActivationType.kSOFTPLUS);
                sp.setAlpha(1);
                sp.setBeta(1);
                yield mul(x, network.addActivation(sp.getOutput(0), ActivationType.kTANH).getOutput(0));
            }
            case GELU_TANH -> network.addActivation(x, ActivationType.kGELU_TANH).getOutput(0);
            case LEAKY_RELU -> {
                var a = network.addActivation(x, ActivationType.kLEAKY_RELU);
                a.setAlpha((float) op.alpha());
                yield a.getOutput(0);
            }
            case ELU -> {
                var a = network.addActivation(x, ActivationType.kELU);
                a.setAlpha(1);
                yield a.getOutput(0);
            }
        };
    }

    /**
     * Interleaved RoPE on channels [0, dimHead) of (B, T, inner): x·cos + rotate_pairs(x)·sin with the
     * cos/sin tables for positions 0..maxFrames-1 sliced to T; channels [dimHead, inner) pass unchanged.
     */
    private ITensor rope(ITensor x, Op.Rope op, long inner, Precision p) {
        int dh = op.dimHead(), max = op.maxFrames();
        float[] invFreq = weights.get(op.invFreq(), dh / 2).toFloats();
        float[] cos = new float[max * dh], sin = new float[max * dh];
        for (int pos = 0; pos < max; pos++) {
            for (int c = 0; c < dh; c++) {
                float angle = (float) pos * invFreq[c / 2];   // float32 product, as the einsum
                cos[pos * dh + c] = (float) Math.cos(angle);
                sin[pos * dh + c] = (float) Math.sin(angle);
            }
        }
        ITensor frames = gather(network.addShape(x).getOutput(0), 1);                      // [1] = T
        ITensor tableSize = concat(0, int64(1), frames, int64(dh));                         // [1, T, dh]
        ITensor cosT = slice(constant(cos, new long[] {1, max, dh}, p), new long[] {0, 0, 0}, tableSize);
        ITensor sinT = slice(constant(sin, new long[] {1, max, dh}, p), new long[] {0, 0, 0}, tableSize);
        ITensor rot = slice(x, new long[] {0, 0, 0}, shapeWith(x, 3, 2, dh));             // [B, T, dh]
        ITensor rest = slice(x, new long[] {0, 0, dh}, shapeWith(x, 3, 2, inner - dh));    // [B, T, inner - dh]
        IShuffleLayer pairs = network.addShuffle(rot);
        pairs.setReshapeDimensions(dims(new long[] {0, 0, dh / 2, 2}));                   // [B, T, dh/2, 2]
        ITensor pr = pairs.getOutput(0);
        ITensor x1 = slice(pr, new long[] {0, 0, 0, 0}, shapeWith(pr, 4, 3, 1));
        ITensor x2 = slice(pr, new long[] {0, 0, 0, 1}, shapeWith(pr, 4, 3, 1));
        ITensor rotated = concat(3, mul(x2, scalar(-1f, 4, p)), x1);                      // (-x2, x1)
        IShuffleLayer back = network.addShuffle(rotated);
        back.setReshapeDimensions(dims(new long[] {0, 0, dh}));
        ITensor y = add(mul(rot, cosT), mul(back.getOutput(0), sinT));
        return concat(2, y, rest);
    }

    /** mask (B, 1, T) -> bias (B, 1, 1, T) for full attention, or (B, 1, T, T) with the block-causal chunk mask. */
    private ITensor attentionBias(ITensor mask, int chunk, Precision p) {
        IShuffleLayer r = network.addShuffle(mask);
        r.setReshapeDimensions(dims(new long[] {0, 1, 1, -1}));                             // [B, 1, 1, T]
        ITensor keyBias = mul(add(r.getOutput(0), scalar(-1f, 4, p)), scalar(-MASKED, 4, p)); // 0 valid, -1e9 padding
        if (chunk <= 0) return keyBias;
        ITensor frames = gather(network.addShape(mask).getOutput(0), 2);                    // [1] = T
        IFillLayer fill = network.addFill(dims(new long[] {1}), FillOperation.kLINSPACE, DataType.kFLOAT);
        fill.setInput(0, frames);
        fill.setAlpha(0);
        fill.setBeta(1);
        ITensor idx = fill.getOutput(0);                                                    // [T] = 0, 1, ..., T-1
        ITensor block = unary(mul(idx, constant(new float[] {1f / chunk}, new long[] {1}, Precision.FP32)), UnaryOperation.kFLOOR);
        IShuffleLayer q = network.addShuffle(block);
        q.setReshapeDimensions(dims(new long[] {-1, 1}));                                   // [T, 1] query chunk
        IShuffleLayer k = network.addShuffle(block);
        k.setReshapeDimensions(dims(new long[] {1, -1}));                                   // [1, T] key chunk
        ITensor later = network.addElementWise(k.getOutput(0), q.getOutput(0), ElementWiseOperation.kGREATER).getOutput(0); // key in a later chunk
        ITensor later4 = network.addCast(later, DataType.kFLOAT).getOutput(0);
        IShuffleLayer r4 = network.addShuffle(later4);
        r4.setReshapeDimensions(dims(new long[] {1, 1, 0, 0}));
        return add(keyBias, mul(r4.getOutput(0), scalar(MASKED, 4, p)));                  // [B, 1, T, T]
    }

    // ---- small helpers ----------------------------------------------------------------------------------------

    private ITensor reshape(ITensor x, SymShape to) {
        long[] d = new long[to.rank()];
        for (int i = 0; i < d.length; i++) d[i] = to.dim(i) instanceof Dim.Fixed f ? f.size() : -1;
        IShuffleLayer s = network.addShuffle(x);
        s.setReshapeDimensions(dims(d));
        return s.getOutput(0);
    }

    private ITensor add(ITensor a, ITensor b) { return network.addElementWise(a, b, ElementWiseOperation.kSUM).getOutput(0); }

    private ITensor mul(ITensor a, ITensor b) { return network.addElementWise(a, b, ElementWiseOperation.kPROD).getOutput(0); }

    private ITensor unary(ITensor x, UnaryOperation op) { return network.addUnary(x, op).getOutput(0); }

    private ITensor concat(int axis, ITensor... xs) {
        PointerPointer<ITensor> pp = new PointerPointer<>(xs);
        keepAlive.add(pp);
        var c = network.addConcatenation(pp, xs.length);
        c.setAxis(axis);
        return c.getOutput(0);
    }

    private ITensor gather(ITensor shape, long axis) {
        return network.addGather(shape, int64(axis), 0).getOutput(0);
    }

    /** x's runtime shape (int64 [rank]) with dimension {@code axis} replaced by {@code size}. */
    private ITensor shapeWith(ITensor x, int rank, int axis, long size) {
        ITensor shape = network.addShape(x).getOutput(0);
        ITensor[] parts = new ITensor[rank];
        for (int i = 0; i < rank; i++) parts[i] = i == axis ? int64(size) : gather(shape, i);
        return concat(0, parts);
    }

    private ITensor slice(ITensor x, long[] start, ITensor size) {
        ISliceLayer s = network.addSlice(x, dims(start), dims(ones(start.length)), dims(ones(start.length)));
        s.setInput(2, size);
        return s.getOutput(0);
    }

    private ITensor int64(long v) {
        LongPointer lp = new LongPointer(1).put(v);
        keepAlive.add(lp);
        Weights w = new Weights();
        w.type(DataType.kINT64).values(lp).count(1);
        keepAlive.add(w);
        return network.addConstant(dims(new long[] {1}), w).getOutput(0);
    }

    private ITensor scalar(float v, int rank, Precision p) { return constant(new float[] {v}, ones(rank), p); }

    private ITensor constant(float[] values, long[] shape, Precision p) {
        return network.addConstant(dims(shape), weights(values, p)).getOutput(0);
    }

    /** Host weights in the layer's type; fp16/bf16 are rounded to nearest even here. */
    private Weights weights(float[] v, Precision p) {
        Pointer data = switch (p) {
            case FP32 -> new FloatPointer(v);
            case FP16 -> {
                short[] h = new short[v.length];
                for (int i = 0; i < v.length; i++) h[i] = Float.floatToFloat16(v[i]);
                yield new ShortPointer(h);
            }
            case BF16 -> {
                short[] h = new short[v.length];
                for (int i = 0; i < v.length; i++) h[i] = toBf16(v[i]);
                yield new ShortPointer(h);
            }
        };
        keepAlive.add(data);
        Weights w = new Weights();
        w.type(type(p)).values(data).count(v.length);
        keepAlive.add(w);
        return w;
    }

    /** float32 -> bfloat16 bits, round to nearest even (NaN kept quiet). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static DataType type(Precision p) {
        return switch (p) {
            case FP32 -> DataType.kFLOAT;
            case FP16 -> DataType.kHALF;
            case BF16 -> DataType.kBF16;
        };
    }

    static Dims64 dims(long[] d) {
        Dims64 dims = new Dims64();
        dims.nbDims(d.length);
        for (int i = 0; i < d.length; i++) dims.d(i, d[i]);
        return dims;
    }

    private static long[] ones(int rank) {
        long[] o = new long[rank];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    @Override
    public void close() {
        for (Pointer p : keepAlive) p.close();
        keepAlive.clear();
    }
}
