package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cudart.CUfunc_st;

import static org.bytedeco.cuda.global.cudart.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static org.bytedeco.cuda.global.cudart.cuFuncSetAttribute;

/** A {@code __global__} function of a loaded module. */
public record Kernel(String name, CUfunc_st function) {

    /** Lets a launch use more than the default 48 KB of dynamic shared memory. */
    public void allowDynamicSharedMemory(int bytes) {
        Cuda.checkDriver(cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                "cuFuncSetAttribute(" + name + ", max dynamic shared memory " + bytes + ")");
    }

    /**
     * A launch with its arguments fixed. Arguments: {@link DeviceBuffer} or {@link Ptr} (a device
     * address), {@link Integer} (int), {@link Long} (long), {@link Float} (float), in the order of the
     * kernel's parameters.
     */
    public Launch launch(Dim grid, Dim block, int sharedBytes, Object... args) {
        return new Launch(this, grid, block, sharedBytes, args);
    }

    /** A device address as a kernel argument (a buffer plus a byte offset). */
    public record Ptr(long address) {
        public static Ptr of(DeviceBuffer buffer, long byteOffset) { return new Ptr(buffer.address(byteOffset)); }
    }

    /** Grid or block dimensions. */
    public record Dim(int x, int y, int z) {
        public static Dim of(int x) { return new Dim(x, 1, 1); }
        public static Dim of(int x, int y) { return new Dim(x, y, 1); }
    }
}
