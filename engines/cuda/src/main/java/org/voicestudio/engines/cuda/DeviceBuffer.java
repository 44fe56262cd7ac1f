package org.voicestudio.engines.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;

import java.lang.foreign.MemorySegment;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;

/** One {@code cudaMalloc} allocation. Copies here are synchronous (setup and tests, not the hot loop). */
public final class DeviceBuffer implements AutoCloseable {
    private final long address;
    private final long bytes;
    private boolean closed;

    private DeviceBuffer(long address, long bytes) {
        this.address = address;
        this.bytes = bytes;
    }

    static DeviceBuffer allocate(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("device buffer of " + bytes + " bytes");
        PointerPointer<Pointer> out = new PointerPointer<>(1);
        Cuda.check(cudaMalloc(out, bytes), "cudaMalloc(" + bytes + " bytes)");
        return new DeviceBuffer(out.get(0).address(), bytes);
    }

    public long address() { ensureOpen(); return address; }

    public long bytes() { return bytes; }

    /** The address {@code byteOffset} bytes in, for kernel arguments and cuBLAS operands. */
    public long address(long byteOffset) {
        ensureOpen();
        if (byteOffset < 0 || byteOffset > bytes) throw new IndexOutOfBoundsException("offset " + byteOffset + " in a buffer of " + bytes + " bytes");
        return address + byteOffset;
    }

    public void upload(float[] values, long byteOffset) {
        checkRange(byteOffset, values.length * 4L);
        try (FloatPointer host = new FloatPointer(values)) {
            Cuda.check(cudaMemcpy(new DevicePointer(address + byteOffset), host, values.length * 4L, cudaMemcpyHostToDevice), "cudaMemcpy H2D");
        }
    }

    public void upload(short[] values, long byteOffset) {
        checkRange(byteOffset, values.length * 2L);
        try (ShortPointer host = new ShortPointer(values)) {
            Cuda.check(cudaMemcpy(new DevicePointer(address + byteOffset), host, values.length * 2L, cudaMemcpyHostToDevice), "cudaMemcpy H2D");
        }
    }

    public void upload(int[] values, long byteOffset) {
        checkRange(byteOffset, values.length * 4L);
        try (IntPointer host = new IntPointer(values)) {
            Cuda.check(cudaMemcpy(new DevicePointer(address + byteOffset), host, values.length * 4L, cudaMemcpyHostToDevice), "cudaMemcpy H2D");
        }
    }

    /** Copies native host memory (e.g. a memory-mapped checkpoint tensor) without a heap copy. */
    public void upload(MemorySegment host, long byteOffset) {
        if (!host.isNative()) throw new IllegalArgumentException("upload needs native memory, got a heap segment");
        checkRange(byteOffset, host.byteSize());
        Cuda.check(cudaMemcpy(new DevicePointer(address + byteOffset), new DevicePointer(host.address()), host.byteSize(),
                cudaMemcpyHostToDevice), "cudaMemcpy H2D");
    }

    public float[] downloadFloats(long byteOffset, int count) {
        checkRange(byteOffset, count * 4L);
        float[] out = new float[count];
        try (FloatPointer host = new FloatPointer(count)) {
            Cuda.check(cudaMemcpy(host, new DevicePointer(address + byteOffset), count * 4L, cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
            host.get(out);
        }
        return out;
    }

    public int[] downloadInts(long byteOffset, int count) {
        checkRange(byteOffset, count * 4L);
        int[] out = new int[count];
        try (IntPointer host = new IntPointer(count)) {
            Cuda.check(cudaMemcpy(host, new DevicePointer(address + byteOffset), count * 4L, cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
            host.get(out);
        }
        return out;
    }

    private void checkRange(long offset, long length) {
        ensureOpen();
        if (offset < 0 || length < 0 || offset + length > bytes) {
            throw new IndexOutOfBoundsException("copy of " + length + " bytes at " + offset + " into a buffer of " + bytes + " bytes");
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("device buffer already freed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Cuda.check(cudaFree(new DevicePointer(address)), "cudaFree");
    }
}
