package org.voicestudio.engines.cuda.flow;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaGraph;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.StreamOp;
import org.voicestudio.inference.flow.ConditionalFlowMatching;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowNoise;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code solve_euler} of {@code CausalConditionalCFM} (reference §4.1) on the device: the same arithmetic as
 * the host {@link ConditionalFlowMatching}, without a host round trip between the steps. Per request: mu,
 * cond, spks and mask are uploaded once (row 0 of the CFG batch; row 1 stays zero), the noise slice is copied
 * on the device from the fixed noise uploaded at construction; each step duplicates x into the CFG batch
 * ({@code cfg_duplicate}), runs the DiT with that step's precomputed time embedding input (the cosine time grid
 * as a table on the device) and applies {@code x += dt * ((1 + cfg) * v_cond - cfg * v_uncond)}
 * ({@code cfg_euler_step}, rounded as the host does); one download of the final sample.
 *
 * <p>The whole solve is one launch list per (T, streaming); with {@code graph} it is captured as a CUDA graph
 * on the shape's second solve (the first runs op by op, so a T seen once costs no capture) and replayed from
 * then on. The last {@value #SHAPES} shapes keep their buffers and graphs (a streaming session
 * grows T chunk by chunk, so older shapes are dropped first). Not thread-safe (one request at a time).
 */
final class CudaEulerSolver implements AutoCloseable {
    private static final String SOURCE = "flow_solver.cu";
    /** Shapes (T, streaming) whose buffers and graphs are kept: ~100 MB each at the full geometry and T ~ 1000. */
    static final int SHAPES = 4;
    private static final int BLOCK = 256;

    private final CudaContext ctx;
    private final CudaDitEstimator dit;
    private final int mel, steps, noiseLength;
    private final float[] stepT, stepDt;
    private final float condWeight, uncondWeight;   // (1 + inference_cfg_rate), inference_cfg_rate as float32
    private final DeviceBuffer noise;               // [mel, noiseLength]
    private final DeviceBuffer sinus;               // [steps, 2, 256] the time embedding input of each step
    private final Kernel noiseSlice, duplicate, eulerStep;
    private final Map<Key, Shape> shapes = new LinkedHashMap<>(8, 0.75f, true);   // access order: eldest = least recent

    private record Key(int frames, boolean streaming) {}

    /**
     * @param nTimesteps       Euler steps (cfm n_timesteps, 10)
     * @param inferenceCfgRate cfm inference_cfg_rate (0.7)
     * @param tScheduler       cfm t_scheduler ("cosine")
     */
    CudaEulerSolver(CudaContext ctx, CudaDitEstimator dit, FlowNoise noise, int nTimesteps, double inferenceCfgRate, String tScheduler) {
        this.ctx = ctx;
        this.dit = dit;
        this.mel = dit.geometry().mel();
        if (noise.channels() != mel) throw new IllegalArgumentException(noise.source() + " has " + noise.channels() + " channels, the DiT has " + mel);
        float[][] times = stepTimes(nTimesteps, tScheduler);
        this.stepT = times[0];
        this.stepDt = times[1];
        this.steps = stepT.length;
        this.condWeight = (float) (1.0 + inferenceCfgRate);
        this.uncondWeight = (float) inferenceCfgRate;
        this.noiseLength = noise.length();
        ctx.makeCurrent();
        var k = ctx.kernels();
        noiseSlice = k.kernel(SOURCE, "noise_slice");
        duplicate = k.kernel(SOURCE, "cfg_duplicate");
        eulerStep = k.kernel(SOURCE, "cfg_euler_step");
        float[] table = new float[steps * 2 * CudaDitEstimator.FREQ_DIM];
        for (int s = 0; s < steps; s++) {
            float[] row = CudaDitEstimator.sinusoidal(new float[] {stepT[s], stepT[s]});   // [2, 256]
            System.arraycopy(row, 0, table, s * row.length, row.length);
        }
        DeviceBuffer n = ctx.allocate((long) mel * noiseLength * 4);
        DeviceBuffer sn = null;
        try {
            n.upload(noise.frames(noiseLength), 0);
            sn = ctx.allocate(table.length * 4L);
            sn.upload(table, 0);
        } catch (RuntimeException | Error e) {
            n.close();
            if (sn != null) sn.close();
            throw e;
        }
        this.noise = n;
        this.sinus = sn;
    }

    int steps() { return steps; }

    /**
     * {t_k} and {dt_k} of each Euler step, float32, exactly as {@link ConditionalFlowMatching#solve} steps them:
     * t = t_span[0], dt = t_span[1] - t_span[0]; after each step t = t + dt, dt = t_span[k + 1] - t.
     */
    static float[][] stepTimes(int nTimesteps, String tScheduler) {
        float[] span = ConditionalFlowMatching.timeSpan(nTimesteps, "cosine".equals(tScheduler));
        int n = span.length - 1;
        float[] ts = new float[n], dts = new float[n];
        float t = span[0], dt = span[1] - span[0];
        for (int step = 1; step <= n; step++) {
            ts[step - 1] = t;
            dts[step - 1] = dt;
            t = t + dt;
            if (step < n) dt = span[step + 1] - t;
        }
        return new float[][] {ts, dts};
    }

    /** Writes row 0 of the CFG batch's mu, (mel, T) channel-major, at a device address, on {@code ctx.stream()}. */
    @FunctionalInterface
    interface MuWriter {
        void write(long address);
    }

    /**
     * The final sample (mel, T) of {@code c}, prompt frames included, from {@code rand_noise[:, :, :T]}.
     * With an observer other than {@link ConditionalFlowMatching.StepObserver#NONE} the steps are issued one by
     * one (the state and the raw estimator output are downloaded for it after each DiT call) instead of replaying
     * the graph; the device work is the same launch list.
     */
    float[] solve(FlowConditioning c, boolean streaming, boolean graph, ConditionalFlowMatching.StepObserver observer) {
        int frames = c.layout().frames();
        require("mu", c.mu(), mel * frames);
        return solve(frames, c.spks(), c.cond(), c.mask(), null, streaming, graph, observer, c.mu());
    }

    /** As {@link #solve(FlowConditioning, boolean, boolean, ConditionalFlowMatching.StepObserver)} with mu written on the device. */
    float[] solve(int frames, float[] spks, float[] cond, float[] mask, MuWriter mu, boolean streaming, boolean graph,
                  ConditionalFlowMatching.StepObserver observer) {
        return solve(frames, spks, cond, mask, mu, streaming, graph, observer, null);
    }

    /** The solve with mu uploaded from {@code hostMu}, or written by {@code muWriter} when that is null. */
    private float[] solve(int frames, float[] spks, float[] cond, float[] mask, MuWriter muWriter, boolean streaming, boolean graph,
                          ConditionalFlowMatching.StepObserver observer, float[] hostMu) {
        int plane = mel * frames;
        if (frames > noiseLength) {
            throw new IllegalArgumentException("flow needs " + frames + " noise frames (prompt + target mel) but the fixed noise has "
                    + noiseLength + " (" + noiseLength / 50 + " s at 50 frames/s); shorten the text or the prompt");
        }
        require("cond", cond, plane);
        require("spks", spks, mel);
        require("mask", mask, frames);
        ctx.makeCurrent();
        Shape s = shape(new Key(frames, streaming));
        CudaDitEstimator.Scratch sc = s.scratch;
        // row 0 of the CFG batch; row 1 of mu, cond and spks was zeroed when the shape was made, mask is shared
        sc.cond.upload(cond, 0);
        sc.spks.upload(spks, 0);
        sc.mask.upload(mask, 0);
        sc.mask.upload(mask, frames * 4L);
        if (hostMu != null) sc.mu.upload(hostMu, 0);
        else muWriter.write(sc.mu.address());
        ctx.synchronizeDevice();   // pageable uploads ran on the legacy stream; the work below runs on ctx.stream()
        if (observer == ConditionalFlowMatching.StepObserver.NONE) {
            // a shape's first solve runs op by op: a one-off T (every chunk of a streaming session has its own)
            // never pays the capture and instantiation; from its second solve on, the graph is captured and replayed
            if (graph && (s.graph != null || s.solves > 0)) {
                if (s.graph == null) s.graph = CudaGraph.capture(ctx.stream(), s.all);
                s.graph.launch(ctx.stream());
            } else {
                for (StreamOp op : s.all) op.enqueue(ctx.stream());
            }
        } else {
            s.start.enqueue(ctx.stream());
            for (int step = 0; step < steps; step++) {
                for (StreamOp op : s.estimate.get(step)) op.enqueue(ctx.stream());
                ctx.synchronize();
                observer.onStep(step, stepT[step], s.x.downloadFloats(0, plane), sc.out.downloadFloats(0, 2 * plane));
                s.update.get(step).enqueue(ctx.stream());
            }
        }
        ctx.synchronize();
        s.solves++;
        return s.x.downloadFloats(0, plane);
    }

    /** Shapes kept now that have a captured graph (tests). */
    int capturedGraphs() {
        int n = 0;
        for (Shape s : shapes.values()) if (s.graph != null) n++;
        return n;
    }

    private static void require(String name, float[] a, int expected) {
        if (a.length != expected) throw new IllegalArgumentException("flow conditioning '" + name + "' has " + a.length + " values, expected " + expected);
    }

    private Shape shape(Key key) {
        Shape s = shapes.get(key);
        if (s != null) return s;
        if (shapes.size() >= SHAPES) {
            Iterator<Shape> eldest = shapes.values().iterator();
            Shape old = eldest.next();
            eldest.remove();
            ctx.synchronize();
            old.close();
        }
        s = new Shape(key);
        shapes.put(key, s);
        return s;
    }

    /** Buffers and launch lists of one (T, streaming): the DiT scratch (batch 2), the sample x, the graph once captured. */
    private final class Shape implements AutoCloseable {
        final CudaDitEstimator.Scratch scratch;
        final DeviceBuffer x;                       // [mel, T] the Euler state
        final StreamOp start;                       // x = rand_noise[:, :, :T]
        final List<List<StreamOp>> estimate = new ArrayList<>();   // per step: x into the CFG batch, the DiT
        final List<StreamOp> update = new ArrayList<>();           // per step: CFG combination and Euler update
        final List<StreamOp> all = new ArrayList<>();
        CudaGraph graph;
        int solves;

        Shape(Key key) {
            int frames = key.frames(), plane = mel * frames;
            scratch = dit.newScratch(2, frames);
            DeviceBuffer xs = null;
            try {
                xs = ctx.allocate(plane * 4L);
                float[] zeros = new float[plane];
                scratch.mu.upload(zeros, plane * 4L);
                scratch.cond.upload(zeros, plane * 4L);
                scratch.spks.upload(new float[mel], mel * 4L);
                Dim grid = Dim.of((plane + BLOCK - 1) / BLOCK), block = Dim.of(BLOCK);
                start = noiseSlice.launch(grid, block, 0, xs, noise, mel, frames, noiseLength);
                all.add(start);
                long rowBytes = 2L * CudaDitEstimator.FREQ_DIM * 4;
                for (int step = 0; step < steps; step++) {
                    List<StreamOp> ops = new ArrayList<>();
                    ops.add(duplicate.launch(grid, block, 0, scratch.x, xs, plane));
                    ops.addAll(dit.ops(scratch, key.streaming(), sinus.address(step * rowBytes)));
                    StreamOp up = eulerStep.launch(grid, block, 0, xs, scratch.out, plane, condWeight, uncondWeight, stepDt[step]);
                    estimate.add(List.copyOf(ops));
                    update.add(up);
                    all.addAll(ops);
                    all.add(up);
                }
            } catch (RuntimeException | Error e) {
                scratch.close();
                if (xs != null) xs.close();
                throw e;
            }
            x = xs;
        }

        @Override
        public void close() {
            try {
                if (graph != null) graph.close();
            } finally {
                scratch.close();
                x.close();
            }
        }
    }

    @Override
    public void close() {
        ctx.makeCurrent();
        ctx.synchronize();
        for (Shape s : shapes.values()) s.close();
        shapes.clear();
        noise.close();
        sinus.close();
    }
}
