// Voice Studio - CUDA kernels of the HiFT decoder (CausalHiFTGenerator.decode up to conv_post,
// reference §5), compiled at run time with NVRTC. Copyright (C) 2026 Voice Studio developers. GPL-3.0-or-later.
//
// Activations are channel-major [C, T] float32 (batch 1), as the official module holds them. Every
// product is a plain float32 FMA: no tensor cores, no TF32 (its 10-bit mantissa would move the
// conv_post phase rows by ~1e-3, and the phases go straight into sin/cos of the iSTFT).

#define CONV_CO_TILE 8     // output channels per block (accumulated in registers; the loads below assume 8)
#define CONV_CI_CHUNK 8    // input channels whose weights sit in shared memory at once
#define CONV_MAX_K 32      // longest kernel (source_downs.0: 2 * 15 = 30)

// One generic causal conv1d:
//   y[co, t] = bias[co] + sum_{ci, k} w[co, ci, k] * xv[ci, t * stride + k * dilation - pad_left]  (+ res[co, t])
// where xv is x nearest-upsampled by `up` (xv[ci, u] = x[ci, u / up]) and zero outside [0, tin * up).
// Left padding = pad_left zeros; right padding is implicit (reads past the end are zero), so a
// right-padded look-ahead conv is pad_left = 0 with tout = tin. res may be null; it may alias y
// (each thread reads its own element before writing it).
// Grid: (ceil(tout / blockDim.x), ceil(cout / CONV_CO_TILE)); one thread per output time step.
extern "C" __global__ void causal_conv1d(float* y, const float* x, const float* w, const float* bias, const float* res,
                                         int cin, int tin, int cout, int tout, int k, int dilation, int stride,
                                         int pad_left, int up) {
    // [ci][k][co]: the 8 output channels of one tap are two float4 loads
    __shared__ __align__(16) float ws[CONV_CI_CHUNK * CONV_MAX_K * CONV_CO_TILE];
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int co0 = blockIdx.y * CONV_CO_TILE;
    float acc[CONV_CO_TILE];
#pragma unroll
    for (int c = 0; c < CONV_CO_TILE; c++) acc[c] = 0.0f;
    int len = tin * up;                 // frames stay far below 2^31 (the host checks channels x frames)
    int base = t * stride - pad_left;
    for (int ci0 = 0; ci0 < cin; ci0 += CONV_CI_CHUNK) {
        int chunk = min(CONV_CI_CHUNK, cin - ci0);
        __syncthreads();
        for (int i = threadIdx.x; i < chunk * k * CONV_CO_TILE; i += blockDim.x) {
            int c = i % CONV_CO_TILE, kk = (i / CONV_CO_TILE) % k, dc = i / (CONV_CO_TILE * k);
            int co = co0 + c;
            ws[i] = co < cout ? w[((long) co * cin + ci0 + dc) * k + kk] : 0.0f;
        }
        __syncthreads();
        if (t < tout) {
            for (int dc = 0; dc < chunk; dc++) {
                const float* xr = x + (long) (ci0 + dc) * tin;
                const float4* wr = reinterpret_cast<const float4*>(ws + dc * k * CONV_CO_TILE);
                for (int kk = 0; kk < k; kk++) {
                    int u = base + kk * dilation;
                    if (u < 0 || u >= len) continue;
                    float xv = xr[up == 1 ? u : u / up];   // uniform branch: no division for the plain convs
                    float4 lo = wr[2 * kk], hi = wr[2 * kk + 1];
                    acc[0] = fmaf(lo.x, xv, acc[0]);
                    acc[1] = fmaf(lo.y, xv, acc[1]);
                    acc[2] = fmaf(lo.z, xv, acc[2]);
                    acc[3] = fmaf(lo.w, xv, acc[3]);
                    acc[4] = fmaf(hi.x, xv, acc[4]);
                    acc[5] = fmaf(hi.y, xv, acc[5]);
                    acc[6] = fmaf(hi.z, xv, acc[6]);
                    acc[7] = fmaf(hi.w, xv, acc[7]);
                }
            }
        }
    }
    if (t >= tout) return;
#pragma unroll
    for (int c = 0; c < CONV_CO_TILE; c++) {
        int co = co0 + c;
        if (co >= cout) break;
        long i = (long) co * tout + t;
        float v = acc[c] + bias[co];
        if (res != nullptr) v = v + res[i];
        y[i] = v;
    }
}

// F.leaky_relu: x > 0 ? x : x * slope (in place allowed).
extern "C" __global__ void leaky_relu(float* y, const float* x, int n, float slope) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = x[i];
    y[i] = v > 0.0f ? v : v * slope;
}

// Snake (linear alpha): x + inv_alpha[c] * sin(alpha[c] * x)^2, inv_alpha = 1 / (alpha + 1e-9) in float32.
extern "C" __global__ void snake(float* y, const float* x, const float* alpha, const float* inv_alpha, int channels, int frames) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long) channels * frames) return;
    int c = (int) (i / frames);
    float v = x[i];
    float s = sinf(v * alpha[c]);
    y[i] = v + s * s * inv_alpha[c];
}

// y += a
extern "C" __global__ void add_into(float* y, const float* a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = y[i] + a[i];
}

// y /= d (the mean over the ResBlocks: xs / num_kernels)
extern "C" __global__ void divide(float* y, int n, float d) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = y[i] / d;
}

// ReflectionPad1d((1, 0)): y[c, 0] = x[c, 1], y[c, t + 1] = x[c, t]; y has frames + 1 columns.
extern "C" __global__ void reflect_pad_left1(float* y, const float* x, int channels, int frames) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    long out = (long) frames + 1;
    if (i >= (long) channels * out) return;
    long c = i / out, t = i % out;
    y[i] = x[c * frames + (t == 0 ? 1 : t - 1)];
}

// ---- the same convolution as an im2col + cuBLAS SGEMM (plain float32, no TF32) + epilogue

// col[(ci * k + kk), t] = xv[ci, t * stride + kk * dilation - pad_left] for t < tout, with xv and the zero
// padding exactly as in causal_conv1d: the GEMM operand [cin * k, tout] of W [cout, cin * k].
extern "C" __global__ void conv_im2col(float* col, const float* x, int cin, int tin, int k, int dilation, int stride,
                                       int pad_left, int up, int tout) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long) cin * k * tout) return;
    int t = (int) (i % tout);
    long row = i / tout;
    int kk = (int) (row % k), ci = (int) (row / k);
    int u = t * stride + kk * dilation - pad_left;
    int len = tin * up;
    col[i] = (u >= 0 && u < len) ? x[(long) ci * tin + (up == 1 ? u : u / up)] : 0.0f;
}

// y[co, t] = g[co, t] + bias[co] (+ res[co, t]): causal_conv1d's epilogue on the GEMM output g, in its order
// (sum, then bias, then residual). res may be null or alias y (each thread reads its element before writing it).
extern "C" __global__ void conv_bias_residual(float* y, const float* g, const float* bias, const float* res, int cout, int tout) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long) cout * tout) return;
    float v = g[i] + bias[i / tout];
    if (res != nullptr) v = v + res[i];
    y[i] = v;
}
