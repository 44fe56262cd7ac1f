package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cudart.CUevent_st;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.bytedeco.cuda.global.cudart.cudaEventCreate;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;

/**
 * Device time of each {@link StreamOp} of a list, from CUDA events recorded between them, summed by
 * label. For ops much longer than a launch (~5 µs); shorter ones measure the launch gap instead.
 */
public final class OpProfiler {
    private OpProfiler() {}

    public static Map<String, Double> run(CudaContext ctx, List<? extends StreamOp> ops) {
        CUevent_st[] ev = new CUevent_st[ops.size() + 1];
        try {
            for (int i = 0; i < ev.length; i++) {
                ev[i] = new CUevent_st();
                Cuda.check(cudaEventCreate(ev[i]), "cudaEventCreate");
            }
            Cuda.check(cudaEventRecord(ev[0], ctx.stream()), "cudaEventRecord");
            for (int i = 0; i < ops.size(); i++) {
                ops.get(i).enqueue(ctx.stream());
                Cuda.check(cudaEventRecord(ev[i + 1], ctx.stream()), "cudaEventRecord");
            }
            Cuda.check(cudaEventSynchronize(ev[ev.length - 1]), "cudaEventSynchronize");
            Map<String, Double> byLabel = new LinkedHashMap<>();
            float[] ms = new float[1];
            for (int i = 0; i < ops.size(); i++) {
                Cuda.check(cudaEventElapsedTime(ms, ev[i], ev[i + 1]), "cudaEventElapsedTime");
                byLabel.merge(ops.get(i).label(), (double) ms[0], Double::sum);
            }
            return byLabel;
        } finally {
            for (CUevent_st e : ev) if (e != null && !e.isNull()) cudaEventDestroy(e);
        }
    }
}
