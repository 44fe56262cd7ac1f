package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cudart.CUlaunchAttribute;
import org.bytedeco.cuda.cudart.CUlaunchConfig;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.cuda.global.cudart.CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernelEx;

/**
 * A kernel launch whose argument block is built once in native memory, so issuing it again costs
 * one {@code cuLaunchKernel} and no allocation (the eager decode loop issues ~220 per token).
 */
public final class Launch implements StreamOp {
    private final Kernel kernel;
    private final Kernel.Dim grid, block;
    private final int sharedBytes;
    private String label;
    private CUlaunchConfig overlap;   // set: launched with programmatic stream serialization (PDL)
    private CUlaunchAttribute overlapAttr;
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

    /**
     * Lets this kernel start before the previous kernel in the stream has finished (programmatic
     * dependent launch, compute capability 9.0+). Only for kernels that call {@code pdl_wait()}
     * before touching anything the previous kernel writes (the decode kernels of qwen2.cu do).
     */
    public Launch overlapPrevious() {
        overlapAttr = new CUlaunchAttribute(1);
        overlapAttr.id(CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
        overlapAttr.value().programmaticStreamSerializationAllowed(1);
        overlap = new CUlaunchConfig(1);
        overlap.gridDimX(grid.x()).gridDimY(grid.y()).gridDimZ(grid.z())
                .blockDimX(block.x()).blockDimY(block.y()).blockDimZ(block.z())
                .sharedMemBytes(sharedBytes).attrs(overlapAttr).numAttrs(1);
        return this;
    }

    @Override
    public void enqueue(CUstream_st stream) {
        if (overlap != null) {
            overlap.hStream(stream);
            Cuda.checkDriver(cuLaunchKernelEx(overlap, kernel.function(), params, (PointerPointer<?>) null), "cuLaunchKernelEx(" + kernel.name() + ")");
            return;
        }
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
