package org.voicestudio.engines.tensorrt;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.voicestudio.engines.tensorrt.plan.LayerPlan;
import org.voicestudio.engines.tensorrt.plan.TensorSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import static org.bytedeco.cuda.global.cudart.*;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

/**
 * One deserialized engine and a pool of execution contexts, each with its own CUDA stream and device buffers
 * (grown on demand), so that concurrent requests never share a context — the official {@code TrtContextWrapper}.
 * Inputs and outputs are float32 host arrays in the plan's shapes.
 *
 * <p>NOT RUN: written against the TensorRT 10.15 / CUDA 13.1 bindings; no machine here has TensorRT.
 */
final class PlanRunner implements AutoCloseable {
    private final LayerPlan plan;
    /** TensorRT calls back into this object for as long as the runtime lives: keep it reachable. */
    private final ILogger logger;
    private final IRuntime runtime;
    private final ICudaEngine engine;
    private final List<Context> contexts = new ArrayList<>();
    private final BlockingQueue<Context> idle;

    PlanRunner(LayerPlan plan, byte[] serialized, ILogger logger, int concurrency) {
        this.plan = plan;
        this.logger = logger;
        this.runtime = createInferRuntime(logger);
        try (BytePointer bytes = new BytePointer(serialized)) {
            this.engine = runtime.deserializeCudaEngine(bytes, serialized.length);
        }
        if (engine == null || engine.isNull()) {
            runtime.close();
            throw new IllegalStateException("TensorRT could not load the cached plan " + plan.name() + " (built by another TensorRT version?)");
        }
        idle = new ArrayBlockingQueue<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            Context c = new Context(engine.createExecutionContext());
            contexts.add(c);
            idle.add(c);
        }
    }

    LayerPlan plan() { return plan; }

    /** Runs one call on a free context (waits for one); returns the plan's outputs by name. */
    Map<String, float[]> run(int frames, Map<String, float[]> inputs) {
        plan.profile().check(frames);
        Context c;
        try {
            c = idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a TensorRT execution context", e);
        }
        try {
            return c.run(frames, inputs);
        } finally {
            idle.add(c);
        }
    }

    private final class Context implements AutoCloseable {
        private final IExecutionContext context;
        private final CUstream_st stream = new CUstream_st();
        private final Map<String, Pointer> device = new HashMap<>();
        private final Map<String, Long> capacity = new HashMap<>();

        Context(IExecutionContext context) {
            this.context = context;
            check(cudaStreamCreate(stream), "cudaStreamCreate");
        }

        Map<String, float[]> run(int frames, Map<String, float[]> inputs) {
            for (TensorSpec in : plan.inputs()) {
                float[] host = inputs.get(in.name());
                long[] shape = in.shape().resolve(frames);
                long n = org.voicestudio.inference.tensor.Tensor.numel(shape);
                if (host == null || host.length != n) {
                    throw new IllegalArgumentException("input " + in.name() + " needs " + n + " floats " + java.util.Arrays.toString(shape)
                            + ", got " + (host == null ? "none" : host.length));
                }
                if (!context.setInputShape(in.name(), TensorRtNetworkBuilder.dims(shape))) {
                    throw new IllegalStateException("TensorRT rejected shape " + java.util.Arrays.toString(shape) + " for " + in.name());
                }
                Pointer d = buffer(in.name(), n * 4);
                try (FloatPointer h = new FloatPointer(host)) {
                    check(cudaMemcpyAsync(d, h, n * 4, cudaMemcpyHostToDevice, stream), "copy " + in.name() + " to the GPU");
                    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
                }
                context.setTensorAddress(in.name(), d);
            }
            Map<String, long[]> outShapes = new LinkedHashMap<>();
            for (String o : plan.outputs()) {
                long[] shape = plan.tensor(o).shape().resolve(frames);
                outShapes.put(o, shape);
                context.setTensorAddress(o, buffer(o, org.voicestudio.inference.tensor.Tensor.numel(shape) * 4));
            }
            if (!context.enqueueV3(stream)) throw new IllegalStateException("TensorRT enqueueV3 failed for " + plan.name() + " at " + frames + " frames");
            Map<String, float[]> out = new LinkedHashMap<>();
            for (var e : outShapes.entrySet()) {
                int n = (int) org.voicestudio.inference.tensor.Tensor.numel(e.getValue());
                try (FloatPointer h = new FloatPointer(n)) {
                    check(cudaMemcpyAsync(h, device.get(e.getKey()), (long) n * 4, cudaMemcpyDeviceToHost, stream), "copy " + e.getKey() + " back");
                    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
                    float[] a = new float[n];
                    h.get(a);
                    out.put(e.getKey(), a);
                }
            }
            return out;
        }

        private Pointer buffer(String name, long bytes) {
            Pointer p = device.get(name);
            if (p != null && capacity.get(name) >= bytes) return p;
            if (p != null) cudaFree(p);
            p = new Pointer();
            check(cudaMalloc(p, bytes), "cudaMalloc " + bytes + " bytes for " + name);
            device.put(name, p);
            capacity.put(name, bytes);
            return p;
        }

        @Override
        public void close() {
            for (Pointer p : device.values()) cudaFree(p);
            device.clear();
            cudaStreamDestroy(stream);
            context.close();
        }
    }

    private static void check(int rc, String what) {
        if (rc != cudaSuccess) throw new IllegalStateException(what + " failed: CUDA error " + rc);
    }

    @Override
    public void close() {
        for (Context c : contexts) c.close();
        engine.close();
        runtime.close();
    }
}
