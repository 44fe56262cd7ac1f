// Voice Studio - CUDA kernels of the flow's conditioning (CausalMaskedDiffWithDiT.inference before the solver,
// reference §4.3): token embedding rows, the pre-lookahead layer's bias/activation/residual around its two convs
// (the convs themselves are cuBLAS GEMMs, one per kernel tap), and mu = h.repeat_interleave(ratio) transposed.
// Compiled at run time with NVRTC. Copyright (C) 2026 Voice Studio developers. GPL-3.0-or-later.
//
// Time-major [rows, channels] activations; mu is channel-major [M, T] as the estimator takes it.

// x[t, c] = table[ids[t], c] for t < total, 0 after (the finalize zeros of the right context).
// grid: rows, block: 128
extern "C" __global__ void embed_rows(float* x, const int* ids, const float* table, int total, int M) {
    int t = blockIdx.x;
    for (int c = threadIdx.x; c < M; c += blockDim.x) x[(long) t * M + c] = t < total ? table[(long) ids[t] * M + c] : 0.0f;
}

// y[t, c] = leaky_relu(y[t, c] + bias[c], slope).   grid: rows, block: 256
extern "C" __global__ void bias_leaky_relu(float* y, const float* bias, int C, float slope) {
    float* yr = y + (long) blockIdx.x * C;
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
        float v = yr[c] + bias[c];
        yr[c] = v < 0.0f ? v * slope : v;
    }
}

// h = conv2 + bias + x (residual); mu[c, t * ratio + r] = h[t, c] for r < ratio.   grid: L, block: 128
extern "C" __global__ void lookahead_residual_mu(float* mu, const float* conv, const float* bias, const float* x, int M,
                                                 int ratio, int T) {
    int t = blockIdx.x;
    for (int c = threadIdx.x; c < M; c += blockDim.x) {
        float v = (conv[(long) t * M + c] + bias[c]) + x[(long) t * M + c];
        for (int r = 0; r < ratio; r++) mu[(long) c * T + (long) t * ratio + r] = v;
    }
}
