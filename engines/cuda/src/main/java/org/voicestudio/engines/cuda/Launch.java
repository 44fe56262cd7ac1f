package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;

/**
 * A kernel launch whose argument block is built once in native memory, so issuing it again costs
 * one {@code cuLaunchKernel} and no allocation (the eager decode loop issues ~220 per token).
 */
public final class Launch implements StreamOp {
    private final Kernel kernel;
    private final Kernel.Dim grid, block;
    private final int sharedBytes;
    private String label;
    private final PointerPointer<Pointer> params;
    private final List<Pointer> values = new ArrayList<>();   // keeps the argument storage alive

    Launch(Kernel kernel, Kernel.Dim grid, Kernel.Dim block, int sharedBytes, Object... args) {
        this.kernel = kernel;
        this.grid = grid;
        this.block = block;
        this.sharedBytes = sharedBytes;
        this.params = new PointerPointer<>(args.length);
        for (int i = 0; i < args.length; i++) {
            Pointer value = switch (args[i]) {
                case DeviceBuffer b -> new LongPointer(1).put(b.address());
                case Kernel.Ptr p -> new LongPointer(1).put(p.address());
                case Integer v -> new IntPointer(1).put(v);
                case Long v -> new LongPointer(1).put(v);
                case Float v -> new FloatPointer(1).put(v);
                case null -> throw new IllegalArgumentException(kernel.name() + ": argument " + i + " is null");
                default -> throw new IllegalArgumentException(kernel.name() + ": argument " + i + " has unsupported type "
                        + args[i].getClass().getSimpleName());
            };
            values.add(value);
            params.put(i, value);
        }
    }

    @Override
    public void enqueue(CUstream_st stream) {
        Cuda.checkDriver(cuLaunchKernel(kernel.function(), grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(),
                sharedBytes, stream, params, null), "cuLaunchKernel(" + kernel.name() + ")");
    }

    @Override
    public String label() { return label != null ? label : kernel.name(); }

    /** Names this launch in profiles (e.g. which weight a GEMV reads). */
    public Launch labelled(String label) {
        this.label = label;
        return this;
    }

    @Override
    public String toString() { return "Launch[" + kernel.name() + " " + grid + " x " + block + "]"; }
}
