package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * {@code CausalConv1dDownSample}: stride - 1 zeros on the left, then a Conv1d with kernel
 * m * stride and that stride (HiFT: k30 s15, k6 s3).
 *
 * <p>Computed as m matrix products over stride-long blocks rather than with libtorch's strided
 * convolution: in the DJL PyTorch 2.7.1 CPU build that convolution (k30 s15 on 18 channels)
 * intermittently returned NaN rows when run multi-threaded (observed here, not with one thread).
 * With blocks B[j] = x_padded[:, j*s : (j+1)*s], output t = sum_q W[:, :, q*s:(q+1)*s] · B[t + q].
 * Every product keeps the per-call input first so results belong to the caller's NDManager.
 */
final class CausalConv1dDownSample {
    private final NDArray[] weightBlocks;   // m x [in * stride, out] (transposed)
    private final NDArray bias;             // [1, out]
    private final int stride;
    private final int kernel;
    private final int inChannels;

    CausalConv1dDownSample(NDArray weight, NDArray bias, int stride) {
        Shape w = weight.getShape();                                    // [out, in, k]
        int out = (int) w.get(0);
        this.inChannels = (int) w.get(1);
        this.kernel = (int) w.get(2);
        if (kernel % stride != 0) throw new IllegalArgumentException("down-sampling kernel " + kernel + " is not a multiple of its stride " + stride);
        this.stride = stride;
        this.weightBlocks = new NDArray[kernel / stride];
        for (int q = 0; q < weightBlocks.length; q++) {
            weightBlocks[q] = weight.get(new NDIndex(":, :, {}:{}", q * stride, (q + 1) * stride)).reshape(out, (long) inChannels * stride).transpose();
        }
        this.bias = bias.reshape(1, out);
    }

    /** [1, in, T] -> [1, out, (T + stride - 1 - kernel) / stride + 1] (8T or 40T frames for an STFT of 120T + 1). */
    NDArray forward(NDArray x) {
        NDArray padded = x.pad(new Shape(stride - 1, 0), 0);             // [1, in, Lp]
        long lp = padded.getShape().get(2);
        long nOut = (lp - kernel) / stride + 1;
        long blocks = nOut + weightBlocks.length - 1;
        NDArray b = padded.get(new NDIndex(":, :, :{}", blocks * stride))
                .reshape(inChannels, blocks, stride).transpose(1, 0, 2)
                .reshape(blocks, (long) inChannels * stride);           // [blocks, in * stride]
        NDArray y = null;
        for (int q = 0; q < weightBlocks.length; q++) {
            NDArray part = b.get(new NDIndex("{}:{}", q, q + nOut)).matMul(weightBlocks[q]); // [nOut, out]
            y = y == null ? part : y.add(part);
        }
        return y.add(bias).transpose().expandDims(0);                   // [1, out, nOut]
    }
}
