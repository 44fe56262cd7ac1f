package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Device buffers of the vocoder's intermediates, each grown (never shrunk) to what the longest call so far
 * needed, plus the float64 copies the kernels need. Not thread-safe.
 */
final class Workspace implements AutoCloseable {
    private final CudaContext ctx;
    private final List<Slot> slots = new ArrayList<>();
    private long epoch;                       // bumped whenever a slot is reallocated

    /** One growable buffer. */
    final class Slot {
        private DeviceBuffer buffer;

        /** A buffer of at least {@code bytes}; its contents are undefined after a growth. */
        DeviceBuffer of(long bytes) {
            if (buffer == null || buffer.bytes() < bytes) {
                if (buffer != null) buffer.close();
                buffer = null;
                epoch++;
                buffer = ctx.allocate(Math.max(bytes, 8));
            }
            return buffer;
        }

        private void close() {
            if (buffer != null) buffer.close();
            buffer = null;
        }
    }

    Workspace(CudaContext ctx) { this.ctx = ctx; }

    /** Changes whenever a buffer that recorded ops may point to is reallocated. */
    long epoch() { return epoch; }

    Slot slot() {
        Slot s = new Slot();
        slots.add(s);
        return s;
    }

    /** A device copy of float64 values (weights, DFT tables). */
    static DeviceBuffer uploadDoubles(CudaContext ctx, double[] values) {
        DeviceBuffer b = ctx.allocate(Math.max(8, values.length * 8L));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_DOUBLE, Math.max(1, values.length));
            MemorySegment.copy(values, 0, host, ValueLayout.JAVA_DOUBLE, 0, values.length);
            b.upload(host.asSlice(0, values.length * 8L), 0);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
        return b;
    }

    /** A device copy of float32 values. */
    static DeviceBuffer uploadFloats(CudaContext ctx, float[] values) {
        DeviceBuffer b = ctx.allocate(Math.max(4, values.length * 4L));
        try {
            b.upload(values, 0);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
        return b;
    }

    /** {@code count} float64 values from the device (little-endian pairs of 32-bit words). */
    static double[] downloadDoubles(DeviceBuffer b, int count) {
        float[] words = b.downloadFloats(0, 2 * count);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            long lo = Float.floatToRawIntBits(words[2 * i]) & 0xFFFF_FFFFL;
            long hi = Float.floatToRawIntBits(words[2 * i + 1]);
            out[i] = Double.longBitsToDouble(hi << 32 | lo);
        }
        return out;
    }

    @Override
    public void close() {
        for (Slot s : slots) s.close();
    }
}
