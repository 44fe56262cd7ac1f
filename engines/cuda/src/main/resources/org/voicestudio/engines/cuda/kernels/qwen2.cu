// Voice Studio - CUDA kernels of the Qwen2 decoder (CosyVoice3 LLM stage), compiled at run time
// with NVRTC. Copyright (C) 2026 Voice Studio developers. GPL-3.0-or-later.
//
// Layouts (row-major):
//   activations x      [T, H] float32 (the residual stream)
//   GEMM inputs a      [T, K] float32 or bf16 (out_bf16 != 0), the B operand of cuBLAS
//   qkv                [T, (NH + 2 * NKV) * D] float32, cuBLAS output without bias
//   KV cache           [NKV, capacity, D] float32 per layer (k and v separately)
// Every kernel that depends on the position reads it from device memory (*pos), so one captured
// CUDA graph serves every decode step.

// NVRTC compiles this without the CUDA headers: no INFINITY macro.
#define NEG_INF __int_as_float(0xff800000)

__device__ __forceinline__ unsigned short f32_to_bf16(float v) {
    unsigned int u = __float_as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short) 0x7fc0;  // NaN stays NaN
    u += 0x7fffu + ((u >> 16) & 1u);                                       // round to nearest even
    return (unsigned short) (u >> 16);
}

__device__ __forceinline__ void store(void* out, long i, float v, int out_bf16) {
    if (out_bf16) ((unsigned short*) out)[i] = f32_to_bf16(v);
    else ((float*) out)[i] = v;
}

// Block-wide sum; blockDim.x is a multiple of 32 and at most 1024.
__device__ float block_sum(float v, float* scratch) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? scratch[lane] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ float block_max(float v, float* scratch) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? scratch[lane] : NEG_INF;
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// out[r, :] = table[ids[r], :]   grid: rows, block: any
extern "C" __global__ void embed_rows(float* out, const float* table, const int* ids, int H) {
    int r = blockIdx.x;
    const float* src = table + (long) ids[r] * H;
    for (int i = threadIdx.x; i < H; i += blockDim.x) out[(long) r * H + i] = src[i];
}

// Qwen2RMSNorm: w * (x / sqrt(mean(x^2) + eps)), in float32.   grid: rows, block: 256
extern "C" __global__ void rms_norm(void* out, const float* x, const float* w, int H, float eps, int out_bf16) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    const float* xr = x + (long) r * H;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < H; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, scratch);
    float inv = 1.0f / sqrtf(ss / (float) H + eps);
    for (int i = threadIdx.x; i < H; i += blockDim.x) store(out, (long) r * H + i, w[i] * (xr[i] * inv), out_bf16);
}

// Adds the q/k/v biases, applies RoPE (HF rotate-half: pairs (i, i + D/2)) to q and k at position
// *pos + t, writes q to q_out [T, NH, D] and k, v into the cache at that position.
// grid: T, block: 256
extern "C" __global__ void qkv_rope_cache(float* q_out, float* k_cache, float* v_cache, const float* qkv,
                                          const float* bias, const float* inv_freq, const int* pos,
                                          int NH, int NKV, int D, int capacity) {
    int t = blockIdx.x;
    int p = *pos + t;
    int half = D / 2;
    int width = (NH + 2 * NKV) * D;
    const float* row = qkv + (long) t * width;
    int rope_pairs = (NH + NKV) * half;      // q heads then k heads
    int v_elems = NKV * D;
    for (int j = threadIdx.x; j < rope_pairs + v_elems; j += blockDim.x) {
        if (j < rope_pairs) {
            int head = j / half, i = j % half;
            int c0 = head * D + i, c1 = c0 + half;
            float x0 = row[c0] + bias[c0], x1 = row[c1] + bias[c1];
            float angle = (float) p * inv_freq[i];
            float c = cosf(angle), s = sinf(angle);
            float y0 = x0 * c - x1 * s;
            float y1 = x1 * c + x0 * s;
            if (head < NH) {
                float* q = q_out + ((long) t * NH + head) * D;
                q[i] = y0;
                q[i + half] = y1;
            } else {
                float* k = k_cache + ((long) (head - NH) * capacity + p) * D;
                k[i] = y0;
                k[i + half] = y1;
            }
        } else {
            int e = j - rope_pairs;
            int c = (NH + NKV) * D + e;
            int kvh = e / D, d = e % D;
            v_cache[((long) kvh * capacity + p) * D + d] = row[c] + bias[c];
        }
    }
}

// Causal GQA attention: query row t (position *pos + t) of head h attends to cache positions
// [0, *pos + t]. Scores live in shared memory (capacity floats), never in global memory.
// grid: (NH, T), block: 256 (a multiple of D), dynamic shared memory: capacity * 4 bytes.
extern "C" __global__ void attention(void* out, const float* q_in, const float* k_cache, const float* v_cache,
                                     const int* pos, int NH, int NKV, int D, int capacity, float scale,
                                     int out_bf16) {
    extern __shared__ float scores[];
    __shared__ float scratch[32];
    __shared__ float partial[1024];
    int h = blockIdx.x, t = blockIdx.y;
    int T = gridDim.y;
    int kvh = h / (NH / NKV);
    int len = *pos + t + 1;
    const float* q = q_in + ((long) t * NH + h) * D;
    const float* K = k_cache + (long) kvh * capacity * D;
    const float* V = v_cache + (long) kvh * capacity * D;

    float local_max = NEG_INF;
    for (int j = threadIdx.x; j < len; j += blockDim.x) {
        const float4* k4 = (const float4*) (K + (long) j * D);
        const float4* q4 = (const float4*) q;
        float s = 0.0f;
        for (int i = 0; i < D / 4; i++) {
            float4 a = q4[i], b = k4[i];
            s += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
        }
        s *= scale;
        scores[j] = s;
        local_max = fmaxf(local_max, s);
    }
    float m = block_max(local_max, scratch);
    float local_sum = 0.0f;
    for (int j = threadIdx.x; j < len; j += blockDim.x) {
        float e = expf(scores[j] - m);
        scores[j] = e;
        local_sum += e;
    }
    float sum = block_sum(local_sum, scratch);  // also a barrier: every score is written
    int d = threadIdx.x % D, group = threadIdx.x / D, groups = blockDim.x / D;
    float acc = 0.0f;
#pragma unroll 8
    for (int j = group; j < len; j += groups) acc += scores[j] * V[(long) j * D + d];
    partial[threadIdx.x] = acc;
    __syncthreads();
    if (group == 0) {
        for (int g = 1; g < groups; g++) acc += partial[g * D + d];
        store(out, ((long) t * NH + h) * D + d, acc / sum, out_bf16);
    }
    (void) T;
}

// SwiGLU: out = silu(gate) * up, gu = [T, 2F] (gate | up).   grid: T, block: 256
extern "C" __global__ void swiglu(void* out, const float* gu, int F, int out_bf16) {
    int t = blockIdx.x;
    const float* g = gu + (long) t * 2 * F;
    const float* u = g + F;
    for (int i = threadIdx.x; i < F; i += blockDim.x) {
        float x = g[i];
        float silu = x / (1.0f + expf(-x));
        store(out, (long) t * F + i, silu * u[i], out_bf16);
    }
}

// out = x - max(x) - log(sum(exp(x - max(x)))) over one row of V.   grid: rows, block: 1024
extern "C" __global__ void log_softmax(float* out, const float* x, int V) {
    __shared__ float scratch[32];
    const float* xr = x + (long) blockIdx.x * V;
    float* o = out + (long) blockIdx.x * V;
    float m = NEG_INF;
    for (int i = threadIdx.x; i < V; i += blockDim.x) m = fmaxf(m, xr[i]);
    m = block_max(m, scratch);
    float s = 0.0f;
    for (int i = threadIdx.x; i < V; i += blockDim.x) s += expf(xr[i] - m);
    s = block_sum(s, scratch);
    float lse = m + logf(s);
    for (int i = threadIdx.x; i < V; i += blockDim.x) o[i] = xr[i] - lse;
}

// ---- one-row GEMMs (decode): y[n] = W[n, :] . x, one warp per output row, 16-byte loads ----
// cuBLAS is general; for a single activation row these memory-bound dot products read each weight
// byte once with wide loads and fuse the epilogue (residual add, SwiGLU). fp32 accumulation.

__device__ __forceinline__ float bf16_lo(unsigned int u) { return __uint_as_float(u << 16); }
__device__ __forceinline__ float bf16_hi(unsigned int u) { return __uint_as_float(u & 0xffff0000u); }

__device__ __forceinline__ float dot8_bf16(uint4 a, uint4 b) {
    return bf16_lo(a.x) * bf16_lo(b.x) + bf16_hi(a.x) * bf16_hi(b.x)
         + bf16_lo(a.y) * bf16_lo(b.y) + bf16_hi(a.y) * bf16_hi(b.y)
         + bf16_lo(a.z) * bf16_lo(b.z) + bf16_hi(a.z) * bf16_hi(b.z)
         + bf16_lo(a.w) * bf16_lo(b.w) + bf16_hi(a.w) * bf16_hi(b.w);
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Dot product of weight row `row` ([*, K], bf16 or fp32 per `bf16`) with x (same type); K % 8 == 0.
__device__ __forceinline__ float row_dot(const void* W, const void* x, long row, int K, int bf16, int lane) {
    float acc = 0.0f;
    if (bf16) {
        const uint4* w4 = (const uint4*) ((const unsigned short*) W + row * K);
        const uint4* x4 = (const uint4*) x;
        int n = K / 8;
#pragma unroll 4
        for (int i = lane; i < n; i += 32) acc += dot8_bf16(w4[i], x4[i]);
    } else {
        const float4* w4 = (const float4*) ((const float*) W + row * K);
        const float4* x4 = (const float4*) x;
        int n = K / 4;
#pragma unroll 4
        for (int i = lane; i < n; i += 32) {
            float4 a = w4[i], b = x4[i];
            acc += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
        }
    }
    return warp_sum(acc);
}

// y[n] = W[n, :] . x (+ y[n] when accumulate: the residual add).   grid: ceil(N / 8), block: 256
extern "C" __global__ void gemv(float* y, const void* W, const void* x, int N, int K, int bf16, int accumulate) {
    int row = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31;
    if (row >= N) return;
    float v = row_dot(W, x, row, K, bf16, lane);
    if (lane == 0) y[row] = accumulate ? y[row] + v : v;
}

// out[i] = silu(Wg[i] . x) * (Wu[i] . x) with W = [Wgate; Wup] ([2F, K]).   grid: ceil(F / 8), block: 256
extern "C" __global__ void gemv_swiglu(void* out, const void* W, const void* x, int F, int K, int bf16) {
    int row = (blockIdx.x * blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31;
    if (row >= F) return;
    float g = row_dot(W, x, row, K, bf16, lane);
    float u = row_dot(W, x, (long) F + row, K, bf16, lane);
    if (lane == 0) store(out, row, g / (1.0f + expf(-g)) * u, bf16);
}

// *pos += n: the last node of a decode step.   grid: 1, block: 1
extern "C" __global__ void advance_position(int* pos, int n) { *pos += n; }

// Deterministic uniform values in [-scale, scale) (or `offset` + that), from a counter-based hash
// of (seed, index): weights for benchmarks, made on the device so nothing large is uploaded.
extern "C" __global__ void fill_uniform(void* out, long n, unsigned int seed, float offset, float scale, int out_bf16) {
    for (long i = (long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        unsigned long long z = (unsigned long long) i * 0x9E3779B97F4A7C15ull + ((unsigned long long) seed << 32 | seed);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        float u = (float) (z >> 40) * (1.0f / 16777216.0f);   // [0, 1)
        store(out, i, offset + scale * (2.0f * u - 1.0f), out_bf16);
    }
}
