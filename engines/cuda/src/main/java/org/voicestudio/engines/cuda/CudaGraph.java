package org.voicestudio.engines.cuda;

import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;

import java.util.List;

import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cudaStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamCaptureModeThreadLocal;
import static org.bytedeco.cuda.global.cudart.cudaStreamEndCapture;

/** A list of {@link StreamOp}s captured once from a stream and replayed with one launch. */
public final class CudaGraph implements AutoCloseable {
    private final CUgraph_st graph;
    private final CUgraphExec_st exec;
    private boolean closed;

    private CudaGraph(CUgraph_st graph, CUgraphExec_st exec) {
        this.graph = graph;
        this.exec = exec;
    }

    public static CudaGraph capture(CUstream_st stream, List<? extends StreamOp> ops) {
        Cuda.check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
        CUgraph_st graph = new CUgraph_st();
        try {
            for (StreamOp op : ops) op.enqueue(stream);
        } finally {
            // ends the capture even when an op failed, so the stream is usable again
            int rc = cudaStreamEndCapture(stream, graph);
            if (rc != 0 && !graph.isNull()) cudaGraphDestroy(graph);
            Cuda.check(rc, "cudaStreamEndCapture");
        }
        CUgraphExec_st exec = new CUgraphExec_st();
        int rc = cudaGraphInstantiate(exec, graph, 0L);
        if (rc != 0) {
            cudaGraphDestroy(graph);
            Cuda.check(rc, "cudaGraphInstantiate");
        }
        return new CudaGraph(graph, exec);
    }

    public void launch(CUstream_st stream) {
        if (closed) throw new IllegalStateException("graph already destroyed");
        Cuda.check(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Cuda.check(cudaGraphExecDestroy(exec), "cudaGraphExecDestroy");
        Cuda.check(cudaGraphDestroy(graph), "cudaGraphDestroy");
    }
}
