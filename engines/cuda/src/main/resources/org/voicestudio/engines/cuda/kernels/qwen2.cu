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

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
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

// ---- programmatic dependent launch (sm_90+): a decode kernel starts while its predecessor drains,
// prefetches its own weights into L2 (they depend on nothing), and only then waits for the
// predecessor's results. Without the launch attribute both instructions are no-ops.
__device__ __forceinline__ void pdl_start() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

__device__ __forceinline__ void pdl_wait() {
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void prefetch_l2(const void* p) {
    asm volatile("prefetch.global.L2 [%0];" :: "l"(p));
}

// Prefetches weight rows (as block_dots picks them) into L2, one instruction per 128-byte line.
__device__ void prefetch_rows(const void* W, int K, int bf16, long a0, long b0, int split, unsigned int valid) {
    long row_bytes = (long) K * (bf16 ? 2 : 4);
    int lines = (int) ((row_bytes + 127) / 128);
    for (int r = 0; r < 8; r++) {
        if (!(valid & (1u << r))) continue;
        long row = r < split ? a0 + r : b0 + (r - split);
        const char* base = (const char*) W + row * row_bytes;
        for (int l = threadIdx.x; l < lines; l += blockDim.x) prefetch_l2(base + (long) l * 128);
    }
}

// out[r, :] = table[ids[r], :]   grid: rows, block: any
extern "C" __global__ void embed_rows(float* out, const float* table, const int* ids, int H) {
    pdl_start();
    pdl_wait();
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
// [0, *pos + t]. Scores live in shared memory (capacity floats), never in global memory. Each warp
// takes every 32nd key; its lanes cover the head dimensions (coalesced 128-byte rows).
// grid: (NH, T), block: 1024 (32 warps: a short serial chain per warp), dynamic shared memory:
// capacity * 4 bytes. D <= 128.
extern "C" __global__ void __launch_bounds__(1024) attention(void* out, const float* q_in, const float* k_cache, const float* v_cache,
                                     const int* pos, int NH, int NKV, int D, int capacity, float scale,
                                     int out_bf16) {
    extern __shared__ float scores[];
    __shared__ float scratch[32];
    __shared__ float partial[32 * 128];      // warps * D
    pdl_start();
    pdl_wait();
    int h = blockIdx.x, t = blockIdx.y;
    int kvh = h / (NH / NKV);
    int len = *pos + t + 1;
    const float* q = q_in + ((long) t * NH + h) * D;
    const float* K = k_cache + (long) kvh * capacity * D;
    const float* V = v_cache + (long) kvh * capacity * D;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;

    float qr[4];
#pragma unroll
    for (int m = 0; m < 4; m++) qr[m] = lane + 32 * m < D ? q[lane + 32 * m] : 0.0f;

    float local_max = NEG_INF;
#pragma unroll 4
    for (int j = warp; j < len; j += warps) {
        const float* k = K + (long) j * D;
        float s = 0.0f;
#pragma unroll
        for (int m = 0; m < 4; m++) if (lane + 32 * m < D) s += qr[m] * k[lane + 32 * m];
        s = warp_sum(s) * scale;
        if (lane == 0) scores[j] = s;
        local_max = fmaxf(local_max, s);
    }
    float mx = block_max(local_max, scratch);   // its barriers also publish the scores
    float local_sum = 0.0f;
    for (int j = threadIdx.x; j < len; j += blockDim.x) {
        float e = expf(scores[j] - mx);
        scores[j] = e;
        local_sum += e;
    }
    float sum = block_sum(local_sum, scratch);
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll 4
    for (int j = warp; j < len; j += warps) {
        float p = scores[j];
        const float* v = V + (long) j * D;
#pragma unroll
        for (int m = 0; m < 4; m++) if (lane + 32 * m < D) acc[m] += p * v[lane + 32 * m];
    }
#pragma unroll
    for (int m = 0; m < 4; m++) if (lane + 32 * m < D) partial[warp * D + lane + 32 * m] = acc[m];
    __syncthreads();
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float a = 0.0f;
        for (int w = 0; w < warps; w++) a += partial[w * D + d];
        store(out, ((long) t * NH + h) * D + d, a / sum, out_bf16);
    }
}

// Decode attention (one query row at position *pos), split over key chunks so that NH x S blocks
// share the work (flash-decoding): block (h, s) handles keys [s*chunk, (s+1)*chunk) and leaves
// (max, sum, unnormalised output) in partials; the last block of head h to finish (atomic count)
// merges the S partials with the usual log-sum-exp rescaling and resets the counter.
// grid: (NH, S), block: 256, dynamic shared memory: ceil(capacity / S) * 4 bytes. D <= 128.
extern "C" __global__ void __launch_bounds__(256) attention_decode(void* out, const float* q_in, const float* k_cache,
        const float* v_cache, const int* pos, float* partials, int* counters, int NH, int NKV, int D, int capacity,
        float scale, int out_bf16) {
    extern __shared__ float scores[];
    __shared__ float scratch[32];
    __shared__ float part[8 * 128];
    __shared__ int is_last;
    pdl_start();
    pdl_wait();
    int h = blockIdx.x, s = blockIdx.y, S = gridDim.y;
    int kvh = h / (NH / NKV);
    int len = *pos + 1;
    int chunk = (len + S - 1) / S;
    int j0 = s * chunk, j1 = min(len, j0 + chunk);
    const float* q = q_in + (long) h * D;
    const float* K = k_cache + (long) kvh * capacity * D;
    const float* V = v_cache + (long) kvh * capacity * D;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;

    float qr[4];
#pragma unroll
    for (int m = 0; m < 4; m++) qr[m] = lane + 32 * m < D ? q[lane + 32 * m] : 0.0f;
    float local_max = NEG_INF;
#pragma unroll 2
    for (int j = j0 + warp; j < j1; j += warps) {
        const float* k = K + (long) j * D;
        float sc = 0.0f;
#pragma unroll
        for (int m = 0; m < 4; m++) if (lane + 32 * m < D) sc += qr[m] * k[lane + 32 * m];
        sc = warp_sum(sc) * scale;
        if (lane == 0) scores[j - j0] = sc;
        local_max = fmaxf(local_max, sc);
    }
    float mx = block_max(local_max, scratch);
    float local_sum = 0.0f;
    for (int j = j0 + threadIdx.x; j < j1; j += blockDim.x) {
        float e = expf(scores[j - j0] - mx);
        scores[j - j0] = e;
        local_sum += e;
    }
    float sum = block_sum(local_sum, scratch);
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll 2
    for (int j = j0 + warp; j < j1; j += warps) {
        float p = scores[j - j0];
        const float* v = V + (long) j * D;
#pragma unroll
        for (int m = 0; m < 4; m++) if (lane + 32 * m < D) acc[m] += p * v[lane + 32 * m];
    }
#pragma unroll
    for (int m = 0; m < 4; m++) if (lane + 32 * m < D) part[warp * D + lane + 32 * m] = acc[m];
    __syncthreads();
    float* P = partials + ((long) h * S + s) * (D + 2);
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float a = 0.0f;
        for (int w = 0; w < warps; w++) a += part[w * D + d];
        P[2 + d] = a;
    }
    if (threadIdx.x == 0) { P[0] = mx; P[1] = sum; }
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) is_last = atomicAdd(&counters[h], 1) == S - 1;
    __syncthreads();
    if (!is_last) return;
    __threadfence();
    // merge: the other blocks' partials are read past L1 (__ldcg), which may hold stale lines
    const float* H = partials + (long) h * S * (D + 2);
    float M = NEG_INF;
    for (int i = 0; i < S; i++) M = fmaxf(M, __ldcg(H + (long) i * (D + 2)));
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float L = 0.0f, a = 0.0f;
        for (int i = 0; i < S; i++) {
            const float* Pi = H + (long) i * (D + 2);
            float m = __ldcg(Pi);
            float wgt = m == NEG_INF ? 0.0f : expf(m - M);
            L += __ldcg(Pi + 1) * wgt;
            a += __ldcg(Pi + 2 + d) * wgt;
        }
        store(out, (long) h * D + d, a / L, out_bf16);
    }
    if (threadIdx.x == 0) counters[h] = 0;
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
    pdl_start();
    pdl_wait();
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

// ---- one-row GEMMs (decode): a block computes 8 weight rows against one staged input row ----
// cuBLAS is general; for a single activation row these dot products are memory-bound, so each
// thread issues 16-byte loads of all 8 rows at once (many bytes in flight, one latency round for
// K = 896) and the epilogues (residual add, SwiGLU, bias + RoPE + KV-cache write) are fused.
// fp32 accumulation throughout.

#define GEMV_ROWS 8

// the staged input row of the one-row kernels (dynamic shared memory; one declaration for all)
extern __shared__ float4 xs[];

__device__ __forceinline__ float bf16_lo(unsigned int u) { return __uint_as_float(u << 16); }
__device__ __forceinline__ float bf16_hi(unsigned int u) { return __uint_as_float(u & 0xffff0000u); }

__device__ __forceinline__ float dot8_bf16(uint4 a, uint4 b) {
    return bf16_lo(a.x) * bf16_lo(b.x) + bf16_hi(a.x) * bf16_hi(b.x)
         + bf16_lo(a.y) * bf16_lo(b.y) + bf16_hi(a.y) * bf16_hi(b.y)
         + bf16_lo(a.z) * bf16_lo(b.z) + bf16_hi(a.z) * bf16_hi(b.z)
         + bf16_lo(a.w) * bf16_lo(b.w) + bf16_hi(a.w) * bf16_hi(b.w);
}

// Stages the GEMV input row in shared memory xs. With `norm` set, x is the fp32 residual row and
// xs = norm * (x / sqrt(mean(x^2) + eps)), the rms_norm kernel's formula and summation order (so the
// fused and unfused paths agree bit for bit), rounded to bf16 when bf16; otherwise x already is a
// GEMM input of the working type and is copied. Every thread of the block must call it.
__device__ void stage_input(void* xs, const void* x, const float* norm, int K, float eps, int bf16, float* scratch) {
    if (norm) {
        const float* xf = (const float*) x;
        float ss = 0.0f;
        for (int i = threadIdx.x; i < K; i += blockDim.x) ss += xf[i] * xf[i];
        ss = block_sum(ss, scratch);
        float inv = 1.0f / sqrtf(ss / (float) K + eps);
        for (int i = threadIdx.x; i < K; i += blockDim.x) store(xs, i, norm[i] * (xf[i] * inv), bf16);
    } else {
        // 16-byte copies: K * (2 or 4) bytes is a multiple of 16 (K % 8 == 0)
        int n = bf16 ? K / 8 : K / 4;
        for (int i = threadIdx.x; i < n; i += blockDim.x) ((uint4*) xs)[i] = ((const uint4*) x)[i];
    }
    __syncthreads();
}

// Loads this thread's first 16-byte chunk (chunk threadIdx.x) of each of the 8 rows into pre[],
// zero where the row is not valid or the chunk is past K. Weights depend on no earlier kernel, so
// a decode kernel issues these loads before pdl_wait(): they are in flight while the predecessor
// drains and the input row is staged. For K = 896 this is the whole weight read of the block.
__device__ __forceinline__ void preload_rows(uint4* pre, const void* W, int K, int bf16, long a0, long b0, int split,
                                             unsigned int valid) {
    int chunks = bf16 ? K / 8 : K / 4;
    long row_bytes = (long) K * (bf16 ? 2 : 4);
    int c = threadIdx.x;
#pragma unroll
    for (int r = 0; r < GEMV_ROWS; r++) {
        uint4 z;
        z.x = 0u; z.y = 0u; z.z = 0u; z.w = 0u;
        if (c < chunks && (valid & (1u << r))) {
            long row = r < split ? a0 + r : b0 + (r - split);
            z = ((const uint4*) ((const char*) W + row * row_bytes))[c];
        }
        pre[r] = z;
    }
}

// res[r] = W[row_r, :] . xs for 8 rows: rows a0 .. a0 + split - 1 then b0 .. b0 + 8 - split - 1;
// a row is skipped (result 0) unless valid_r. With use_pre, the thread's first chunk of each row
// comes from pre[] (preload_rows) instead of memory: the same values in the same order, so the
// result is bit for bit the one without. Every thread of the block must call it; res is shared and
// complete on return.
__device__ __forceinline__ void block_dots(float* res, const void* W, const void* xs, int K, int bf16,
                                           long a0, long b0, int split, unsigned int valid, const uint4* pre, bool use_pre) {
    __shared__ float red[GEMV_ROWS][32];
    float acc[GEMV_ROWS];
#pragma unroll
    for (int r = 0; r < GEMV_ROWS; r++) acc[r] = 0.0f;
    if (bf16) {
        const uint4* x4 = (const uint4*) xs;
        const unsigned short* w = (const unsigned short*) W;
#pragma unroll 2
        for (int c = threadIdx.x; c < K / 8; c += blockDim.x) {
            uint4 xv = x4[c];
            bool from_pre = use_pre && c == (int) threadIdx.x;
#pragma unroll
            for (int r = 0; r < GEMV_ROWS; r++) {
                if (valid & (1u << r)) {
                    long row = r < split ? a0 + r : b0 + (r - split);
                    uint4 wv = from_pre ? pre[r] : ((const uint4*) (w + row * K))[c];
                    acc[r] += dot8_bf16(wv, xv);
                }
            }
        }
    } else {
        const float4* x4 = (const float4*) xs;
        const float* w = (const float*) W;
#pragma unroll 2
        for (int c = threadIdx.x; c < K / 4; c += blockDim.x) {
            float4 xv = x4[c];
            bool from_pre = use_pre && c == (int) threadIdx.x;
#pragma unroll
            for (int r = 0; r < GEMV_ROWS; r++) {
                if (valid & (1u << r)) {
                    long row = r < split ? a0 + r : b0 + (r - split);
                    float4 a;
                    if (from_pre) {
                        a.x = __uint_as_float(pre[r].x); a.y = __uint_as_float(pre[r].y);
                        a.z = __uint_as_float(pre[r].z); a.w = __uint_as_float(pre[r].w);
                    } else {
                        a = ((const float4*) (w + row * K))[c];
                    }
                    acc[r] += a.x * xv.x + a.y * xv.y + a.z * xv.z + a.w * xv.w;
                }
            }
        }
    }
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
#pragma unroll
    for (int r = 0; r < GEMV_ROWS; r++) {
        float v = warp_sum(acc[r]);
        if (lane == 0) red[r][warp] = v;
    }
    __syncthreads();
    if (threadIdx.x < GEMV_ROWS) {
        float s = 0.0f;
        for (int w = 0; w < (int) (blockDim.x >> 5); w++) s += red[threadIdx.x][w];
        res[threadIdx.x] = s;
    }
    __syncthreads();
}

__device__ __forceinline__ unsigned int valid_rows(long first, int count, long limit) {
    unsigned int m = 0;
    for (int r = 0; r < count; r++) if (first + r < limit) m |= 1u << r;
    return m;
}

// y[n] = W[n, :] . in (+ y[n] when accumulate: the residual add), in = x or rms_norm(x, norm).
// PRE: load the first weight chunk into registers before waiting for the predecessor (gemv_pre).
// grid: ceil(N / 8), block: 256, dynamic shared memory: K * (bf16 ? 2 : 4) bytes
template <bool PRE>
__device__ __forceinline__ void gemv_body(float* y, const void* W, const void* x, const float* norm, int N, int K, float eps,
                                          int bf16, int accumulate) {
    __shared__ float scratch[32];
    __shared__ float res[GEMV_ROWS];
    long r0 = (long) blockIdx.x * GEMV_ROWS;
    unsigned int valid = valid_rows(r0, GEMV_ROWS, N);
    uint4 pre[GEMV_ROWS];
    if (PRE) preload_rows(pre, W, K, bf16, r0, 0, GEMV_ROWS, valid);
    prefetch_rows(W, K, bf16, r0, 0, GEMV_ROWS, valid);
    pdl_start();
    pdl_wait();
    stage_input(xs, x, norm, K, eps, bf16, scratch);
    block_dots(res, W, xs, K, bf16, r0, 0, GEMV_ROWS, valid, pre, PRE);
    if (threadIdx.x < GEMV_ROWS && r0 + threadIdx.x < N) {
        long row = r0 + threadIdx.x;
        y[row] = accumulate ? y[row] + res[threadIdx.x] : res[threadIdx.x];
    }
}

extern "C" __global__ void gemv(float* y, const void* W, const void* x, const float* norm, int N, int K, float eps,
                                int bf16, int accumulate) {
    gemv_body<false>(y, W, x, norm, N, K, eps, bf16, accumulate);
}

extern "C" __global__ void gemv_pre(float* y, const void* W, const void* x, const float* norm, int N, int K, float eps,
                                    int bf16, int accumulate) {
    gemv_body<true>(y, W, x, norm, N, K, eps, bf16, accumulate);
}

// out[i] = silu(Wg[i] . in) * (Wu[i] . in), W = [Wgate; Wup] ([2F, K]), in = rms_norm(x, norm).
// A block does 4 outputs (4 gate rows + 4 up rows). No register preload here (unlike gemv_pre):
// its 1216 blocks rarely run beside the predecessor, and the extra registers would cut the blocks
// per SM from 9 to 6.
// grid: ceil(F / 4), block: 256, dynamic shared memory: K * (bf16 ? 2 : 4) bytes
extern "C" __global__ void gemv_swiglu(void* out, const void* W, const void* x, const float* norm, int F, int K,
                                       float eps, int bf16) {
    __shared__ float scratch[32];
    __shared__ float res[GEMV_ROWS];
    long i0 = (long) blockIdx.x * (GEMV_ROWS / 2);
    unsigned int v = valid_rows(i0, GEMV_ROWS / 2, F);
    v |= v << (GEMV_ROWS / 2);
    prefetch_rows(W, K, bf16, i0, (long) F + i0, GEMV_ROWS / 2, v);
    pdl_start();
    pdl_wait();
    stage_input(xs, x, norm, K, eps, bf16, scratch);
    block_dots(res, W, xs, K, bf16, i0, (long) F + i0, GEMV_ROWS / 2, v, (const uint4*) 0, false);
    if (threadIdx.x < GEMV_ROWS / 2 && i0 + threadIdx.x < F) {
        float g = res[threadIdx.x], u = res[threadIdx.x + GEMV_ROWS / 2];
        store(out, i0 + threadIdx.x, g / (1.0f + expf(-g)) * u, bf16);
    }
}

// One decode row: in = rms_norm(x, norm); qkv = [Wq; Wk; Wv] . in + bias; RoPE on q and k at *pos;
// q to q_out [NH, D], k and v into the cache at *pos. A block does 4 rotation pairs (rows i..i+3 and
// i+D/2..i+D/2+3 of one q or k head) or 8 v rows. Needs D/2 % 4 == 0 and D % 8 == 0.
// grid: (NH + NKV) * D / 8 + NKV * D / 8, block: 256, dynamic shared memory: K * (bf16 ? 2 : 4)
template <bool PRE>
__device__ __forceinline__ void gemv_qkv_rope_body(float* q_out, float* k_cache, float* v_cache, const void* W, const void* x,
                                         const float* norm, const float* bias, const float* inv_freq, const int* pos,
                                         int NH, int NKV, int D, int capacity, int K, float eps, int bf16) {
    __shared__ float scratch[32];
    __shared__ float res[GEMV_ROWS];
    int half = D / 2;
    int rope_blocks = (NH + NKV) * half / 4;
    bool rope = (int) blockIdx.x < rope_blocks;
    long pair_row = (long) (blockIdx.x * 4 / half) * D + (blockIdx.x * 4) % half;
    long v_row = (long) (NH + NKV) * D + (long) (blockIdx.x - rope_blocks) * GEMV_ROWS;
    uint4 pre[GEMV_ROWS];
    if (PRE) {
        if (rope) preload_rows(pre, W, K, bf16, pair_row, pair_row + half, 4, 0xffu);
        else preload_rows(pre, W, K, bf16, v_row, 0, GEMV_ROWS, 0xffu);
    }
    if (rope) prefetch_rows(W, K, bf16, pair_row, pair_row + half, 4, 0xffu);
    else prefetch_rows(W, K, bf16, v_row, 0, GEMV_ROWS, 0xffu);
    pdl_start();
    pdl_wait();
    stage_input(xs, x, norm, K, eps, bf16, scratch);
    int p = *pos;
    if (rope) {
        int pair0 = blockIdx.x * 4;
        int head = pair0 / half, i0 = pair0 % half;
        long c0 = (long) head * D + i0;
        block_dots(res, W, xs, K, bf16, c0, c0 + half, 4, 0xffu, pre, PRE);
        if (threadIdx.x < 4) {
            int i = i0 + threadIdx.x;
            long a = c0 + threadIdx.x, b = a + half;
            float x0 = res[threadIdx.x] + bias[a], x1 = res[threadIdx.x + 4] + bias[b];
            float angle = (float) p * inv_freq[i];
            float c = cosf(angle), s = sinf(angle);
            float* dst = head < NH ? q_out + (long) head * D : k_cache + ((long) (head - NH) * capacity + p) * D;
            dst[i] = x0 * c - x1 * s;
            dst[i + half] = x1 * c + x0 * s;
        }
    } else {
        int e0 = (blockIdx.x - rope_blocks) * GEMV_ROWS;
        long c0 = (long) (NH + NKV) * D + e0;
        block_dots(res, W, xs, K, bf16, c0, 0, GEMV_ROWS, 0xffu, pre, PRE);
        if (threadIdx.x < GEMV_ROWS) {
            int e = e0 + threadIdx.x;
            v_cache[((long) (e / D) * capacity + p) * D + e % D] = res[threadIdx.x] + bias[c0 + threadIdx.x];
        }
    }
}

extern "C" __global__ void gemv_qkv_rope(float* q_out, float* k_cache, float* v_cache, const void* W, const void* x,
                                         const float* norm, const float* bias, const float* inv_freq, const int* pos,
                                         int NH, int NKV, int D, int capacity, int K, float eps, int bf16) {
    gemv_qkv_rope_body<false>(q_out, k_cache, v_cache, W, x, norm, bias, inv_freq, pos, NH, NKV, D, capacity, K, eps, bf16);
}

// gemv_qkv_rope with the first weight chunk loaded before waiting for the predecessor
extern "C" __global__ void gemv_qkv_rope_pre(float* q_out, float* k_cache, float* v_cache, const void* W, const void* x,
                                             const float* norm, const float* bias, const float* inv_freq, const int* pos,
                                             int NH, int NKV, int D, int capacity, int K, float eps, int bf16) {
    gemv_qkv_rope_body<true>(q_out, k_cache, v_cache, W, x, norm, bias, inv_freq, pos, NH, NKV, D, capacity, K, eps, bf16);
}

// *pos += n: the last node of a decode step.   grid: 1, block: 1
extern "C" __global__ void advance_position(int* pos, int n) {
    pdl_start();
    pdl_wait();
    *pos += n;
}

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
