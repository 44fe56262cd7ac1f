package org.voicestudio.inference.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A host tensor: dtype, row-major shape and little-endian contiguous data. The data is a
 * {@link MemorySegment}, usually a read-only view into a memory-mapped checkpoint, so a 2 GB
 * {@code llm.pt} is never copied onto the Java heap. Whoever mapped the file owns its lifetime.
 */
public final class Tensor {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DType dtype;
    private final long[] shape;
    private final MemorySegment data;

    public Tensor(DType dtype, long[] shape, MemorySegment data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        long expected = numel(shape) * dtype.byteSize();
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " " + dtype
                    + " needs " + expected + " bytes, data has " + data.byteSize());
        }
    }

    public static Tensor ofFloats(float[] values, long... shape) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * 4, 8);
        MemorySegment.copy(values, 0, seg, F32, 0, values.length);
        return new Tensor(DType.F32, shape, seg);
    }

    public static Tensor ofDoubles(double[] values, long... shape) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * 8, 8);
        MemorySegment.copy(values, 0, seg, F64, 0, values.length);
        return new Tensor(DType.F64, shape, seg);
    }

    public static Tensor ofInts(int[] values, long... shape) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * 4, 8);
        MemorySegment.copy(values, 0, seg, I32, 0, values.length);
        return new Tensor(DType.I32, shape, seg);
    }

    public static Tensor ofLongs(long[] values, long... shape) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * 8, 8);
        MemorySegment.copy(values, 0, seg, I64, 0, values.length);
        return new Tensor(DType.I64, shape, seg);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public DType dtype() { return dtype; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public long numel() { return numel(shape); }
    /** The raw little-endian bytes (read-only for mapped tensors). */
    public MemorySegment data() { return data; }

    public boolean hasShape(long... expected) { return Arrays.equals(shape, expected); }

    /** Same data, another shape of equal element count. */
    public Tensor reshape(long... newShape) {
        if (numel(newShape) != numel()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(dtype, newShape, data);
    }

    /** All elements as float (widening f16/bf16, narrowing f64, converting integers). */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, F32, 0, out, 0, n);
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) data.getAtIndex(F64, i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(data.getAtIndex(I16, i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((data.getAtIndex(I16, i) & 0xffff) << 16); }
            default -> { long[] l = toLongs(); for (int i = 0; i < n; i++) out[i] = l[i]; }
        }
        return out;
    }

    public double[] toDoubles() {
        int n = Math.toIntExact(numel());
        double[] out = new double[n];
        if (dtype == DType.F64) {
            MemorySegment.copy(data, F64, 0, out, 0, n);
        } else {
            float[] f = toFloats();
            for (int i = 0; i < n; i++) out[i] = f[i];
        }
        return out;
    }

    public long[] toLongs() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        switch (dtype) {
            case I64 -> MemorySegment.copy(data, I64, 0, out, 0, n);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = data.getAtIndex(I32, i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = data.getAtIndex(I16, i); }
            case I8, BOOL -> { for (int i = 0; i < n; i++) out[i] = data.get(ValueLayout.JAVA_BYTE, i); }
            case U8 -> { for (int i = 0; i < n; i++) out[i] = data.get(ValueLayout.JAVA_BYTE, i) & 0xff; }
            default -> throw new IllegalStateException("tensor is " + dtype + ", not an integer type");
        }
        return out;
    }

    public int[] toInts() {
        long[] l = toLongs();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = Math.toIntExact(l[i]);
        return out;
    }

    /** Copy onto the heap (e.g. before the mapping that backs this tensor is closed). */
    public Tensor copy() {
        MemorySegment seg = Arena.ofAuto().allocate(data.byteSize(), 8);
        seg.copyFrom(data);
        return new Tensor(dtype, shape, seg);
    }

    @Override
    public String toString() { return "Tensor" + Arrays.toString(shape) + " " + dtype; }
}
