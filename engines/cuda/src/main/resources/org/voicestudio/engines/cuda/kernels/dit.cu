// Voice Studio - CUDA kernels of the CosyVoice3 flow estimator (DiT, F5-TTS style; reference §4.3),
// compiled at run time with NVRTC. Copyright (C) 2026 Voice Studio developers. GPL-3.0-or-later.
//
// Activations are row-major [B*T, C] (row = b*T + t) in float32; the estimator's inputs and output
// are channel-major [B, 80, T] as the official module takes them. GEMMs run through cuBLAS.

#define NEG_INF __int_as_float(0xff800000)

__device__ __forceinline__ unsigned short f32_to_bf16(float v) {
    unsigned int u = __float_as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short) 0x7fc0;  // NaN stays NaN
    u += 0x7fffu + ((u >> 16) & 1u);                                       // round to nearest even
    return (unsigned short) (u >> 16);
}

// GEMM inputs are written as float32 or, for the bf16 path, bfloat16 (out_bf16 != 0).
__device__ __forceinline__ void store(void* out, long i, float v, int out_bf16) {
    if (out_bf16) ((unsigned short*) out)[i] = f32_to_bf16(v);
    else ((float*) out)[i] = v;
}

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

// InputEmbedding's concat: row (b, t) = [x[b,:,t], cond[b,:,t], mu[b,:,t], spks[b,:]] (4 x M wide).
// grid: B*T, block: 256
extern "C" __global__ void dit_input_concat(void* out, const float* x, const float* cond, const float* mu,
                                            const float* spks, int T, int M, int out_bf16) {
    int row = blockIdx.x, b = row / T, t = row % T;
    long o = (long) row * 4 * M;
    for (int c = threadIdx.x; c < M; c += blockDim.x) {
        long src = ((long) b * M + c) * T + t;
        store(out, o + c, x[src], out_bf16);
        store(out, o + M + c, cond[src], out_bf16);
        store(out, o + 2 * M + c, mu[src], out_bf16);
        store(out, o + 3 * M + c, spks[(long) b * M + c], out_bf16);
    }
}

// y[r, c] += bias[c].   grid: rows, block: 256
extern "C" __global__ void add_bias(float* y, const float* bias, int n) {
    float* yr = y + (long) blockIdx.x * n;
    for (int c = threadIdx.x; c < n; c += blockDim.x) yr[c] += bias[c];
}

__device__ __forceinline__ float mish(float x) {
    float sp = x > 20.0f ? x : log1pf(expf(x));   // softplus with PyTorch's threshold 20
    return x * tanhf(sp);
}

// out = LayerNorm(x) * (1 + mod[b, scale_at + c]) + mod[b, shift_at + c]; LayerNorm without affine,
// biased variance, eps. mod is [B, mod_width].   grid: B*T, block: 256
extern "C" __global__ void layernorm_modulate(void* out, const float* x, const float* mod, int T, int C, int mod_width,
                                              int shift_at, int scale_at, float eps, int out_bf16) {
    __shared__ float scratch[32];
    int row = blockIdx.x, b = row / T;
    const float* xr = x + (long) row * C;
    float s = 0.0f;
    for (int c = threadIdx.x; c < C; c += blockDim.x) s += xr[c];
    float mean = block_sum(s, scratch) / (float) C;
    float v = 0.0f;
    for (int c = threadIdx.x; c < C; c += blockDim.x) { float d = xr[c] - mean; v += d * d; }
    float var = block_sum(v, scratch) / (float) C;
    float inv = 1.0f / sqrtf(var + eps);
    const float* m = mod + (long) b * mod_width;
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
        store(out, (long) row * C + c, (xr[c] - mean) * inv * (1.0f + m[scale_at + c]) + m[shift_at + c], out_bf16);
    }
}

// qkv [B*T, 3*I] += bias; then x-transformers RoPE (pairs (2i, 2i+1) rotated by t * inv_freq[i]) on the
// first `rot` channels of q and of k only: before the head split, so head 0 alone (F5-TTS quirk).
// grid: B*T, block: 256
extern "C" __global__ void qkv_bias_rope_head0(float* qkv, const float* bias, const float* inv_freq, int T, int I, int rot) {
    int row = blockIdx.x, t = row % T;
    float* r = qkv + (long) row * 3 * I;
    for (int c = threadIdx.x; c < 3 * I; c += blockDim.x) r[c] += bias[c];
    __syncthreads();
    for (int j = threadIdx.x; j < rot; j += blockDim.x) {   // j < rot/2 pairs for q, then for k
        int which = j / (rot / 2), i = j % (rot / 2);
        float* base = r + which * I;
        float f = (float) t * inv_freq[i];
        float cs = cosf(f), sn = sinf(f);
        float x1 = base[2 * i], x2 = base[2 * i + 1];
        base[2 * i] = x1 * cs - x2 * sn;
        base[2 * i + 1] = x2 * cs + x1 * sn;
    }
}

// CausalConvPositionEmbedding stage: out[b,t,c] = mish(bias[c] + sum_{j,k} w[c,j,k] * in[b, t-(K-1)+k, g*CPG+j])
// (+ residual[b,t,c] when residual is set; may alias out): a grouped conv with left zero padding K-1.
// Tiled: a block computes 32 frames of one channel group from a shared-memory
// tile of its (32 + K - 1) input frames; weights are pre-transposed to [group][j][k][c] so a warp reads
// 32 consecutive output channels' weights at once. Thread (c, sub) computes frames sub*per .. +per-1.
// grid: (ceil(T / 32), C / CPG, B), block: CPG * subs with per = 32 / subs <= 8,
// dynamic shared memory: (32 + K - 1) * CPG * 4 bytes
extern "C" __global__ void causal_group_conv_mish_tiled(float* out, const float* in, const float* wt, const float* bias,
                                                        const float* residual, int T, int C, int CPG, int K) {
    extern __shared__ float tile[];
    const int TT = 32;
    int t0 = blockIdx.x * TT, g = blockIdx.y, b = blockIdx.z;
    int rows = TT + K - 1;
    for (int idx = threadIdx.x; idx < rows * CPG; idx += blockDim.x) {
        int r = idx / CPG, j = idx % CPG;
        int ts = t0 - (K - 1) + r;
        tile[idx] = ts >= 0 && ts < T ? in[((long) b * T + ts) * C + g * CPG + j] : 0.0f;
    }
    __syncthreads();
    int cl = threadIdx.x % CPG, sub = threadIdx.x / CPG, subs = blockDim.x / CPG;
    int per = TT / subs;
    float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    const float* w = wt + (long) g * CPG * K * CPG;
    for (int j = 0; j < CPG; j++) {
        for (int k = 0; k < K; k++) {
            float wv = w[((long) j * K + k) * CPG + cl];
            const float* col = tile + (sub * per + k) * CPG + j;
#pragma unroll
            for (int i = 0; i < 8; i++) if (i < per) acc[i] += wv * col[i * CPG];
        }
    }
    int c = g * CPG + cl;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        int t = t0 + sub * per + i;
        if (i < per && t < T) {
            long o = ((long) b * T + t) * C + c;
            float v = mish(acc[i] + bias[c]);
            if (residual) v += residual[o];
            out[o] = v;
        }
    }
}

// Tiled attention (flash style, float32 FMA, no score matrix in global memory): a block takes 64 query
// rows of head h and walks the key tiles of 64 with an online softmax; thread (rg, cg) owns a 4 x 4
// patch of the score tile and of the output. Keys s of query (b, t) need mask[b, s] != 0 and, when
// chunk > 0, s < (t / chunk + 1) * chunk (the streaming block-causal mask of add_optional_chunk_mask,
// counted from frame 0; chunk 0 = full attention). Dh <= 64.
// grid: (H, ceil(T / 64), B), block: 256, dynamic shared memory: 3 * 64 * 65 * 4 bytes
extern "C" __global__ void __launch_bounds__(256) attention_flash(void* out, const float* qkv, const float* mask, int T,
                                                                  int H, int Dh, float scale, int chunk, int out_bf16) {
    extern __shared__ float sm[];
    const int FT = 64, LD = FT + 1;
    float* Qs = sm;
    float* Ks = sm + FT * LD;     // key tile, then the probabilities P of the tile
    float* Vs = sm + 2 * FT * LD;
    int h = blockIdx.x, q0 = blockIdx.y * FT, b = blockIdx.z;
    int I = H * Dh;
    int tid = threadIdx.x, rg = tid >> 4, cg = tid & 15;
    for (int idx = tid; idx < FT * FT; idx += blockDim.x) {
        int r = idx / FT, d = idx % FT, t = q0 + r;
        Qs[r * LD + d] = t < T && d < Dh ? qkv[((long) b * T + t) * 3 * I + h * Dh + d] : 0.0f;
    }
    float m[4], l[4], o[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        m[i] = NEG_INF;
        l[i] = 0.0f;
#pragma unroll
        for (int j = 0; j < 4; j++) o[i][j] = 0.0f;
    }
    int q_last = min(T, q0 + FT) - 1;
    int kend = chunk > 0 ? min(T, (q_last / chunk + 1) * chunk) : T;
    for (int k0 = 0; k0 < kend; k0 += FT) {
        __syncthreads();
        for (int idx = tid; idx < FT * FT; idx += blockDim.x) {
            int r = idx / FT, d = idx % FT, sidx = k0 + r;
            bool in = sidx < T && d < Dh;
            long base = ((long) b * T + sidx) * 3 * I + h * Dh + d;
            Ks[r * LD + d] = in ? qkv[base + I] : 0.0f;
            Vs[r * LD + d] = in ? qkv[base + 2 * I] : 0.0f;
        }
        __syncthreads();
        float sc[4][4];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) sc[i][j] = 0.0f;
        for (int d = 0; d < Dh; d++) {
            float qv[4], kv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) qv[i] = Qs[(rg * 4 + i) * LD + d];
#pragma unroll
            for (int j = 0; j < 4; j++) kv[j] = Ks[(cg * 4 + j) * LD + d];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) sc[i][j] += qv[i] * kv[j];
        }
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int t = q0 + rg * 4 + i;
            int allowed = chunk > 0 ? (t / chunk + 1) * chunk : T;
            float mx = NEG_INF;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                int sidx = k0 + cg * 4 + j;
                bool ok = sidx < T && sidx < allowed && mask[(long) b * T + sidx] != 0.0f;
                sc[i][j] = ok ? sc[i][j] * scale : NEG_INF;
                mx = fmaxf(mx, sc[i][j]);
            }
            for (int off = 8; off > 0; off >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, off));
            float mnew = fmaxf(m[i], mx);
            float alpha = m[i] == NEG_INF ? 0.0f : expf(m[i] - mnew);
            float rs = 0.0f;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                float p = sc[i][j] == NEG_INF ? 0.0f : expf(sc[i][j] - mnew);
                sc[i][j] = p;
                rs += p;
            }
            for (int off = 8; off > 0; off >>= 1) rs += __shfl_xor_sync(0xffffffffu, rs, off);
            l[i] = l[i] * alpha + rs;
#pragma unroll
            for (int j = 0; j < 4; j++) o[i][j] *= alpha;
            m[i] = mnew;
        }
        __syncthreads();   // every thread is done reading the key tile
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) Ks[(rg * 4 + i) * LD + cg * 4 + j] = sc[i][j];
        __syncthreads();
        for (int kk = 0; kk < FT; kk++) {
            float pv[4], vv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) pv[i] = Ks[(rg * 4 + i) * LD + kk];
#pragma unroll
            for (int j = 0; j < 4; j++) vv[j] = Vs[kk * LD + cg * 4 + j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) o[i][j] += pv[i] * vv[j];
        }
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int t = q0 + rg * 4 + i;
        if (t >= T) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int d = cg * 4 + j;
            if (d < Dh) store(out, ((long) b * T + t) * I + h * Dh + d, o[i][j] / l[i], out_bf16);
        }
    }
}

// x[b,t,c] += mod[b, gate_at + c] * (y[b,t,c] + bias[c]) * (mask ? mask[b,t] : 1): a gated residual
// (attention output rows of masked frames are zeroed first).   grid: B*T, block: 256
extern "C" __global__ void gated_residual(float* x, const float* y, const float* bias, const float* mod, const float* mask,
                                          int T, int C, int mod_width, int gate_at) {
    int row = blockIdx.x, b = row / T;
    float keep = mask ? (mask[row] != 0.0f ? 1.0f : 0.0f) : 1.0f;
    const float* m = mod + (long) b * mod_width + gate_at;
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
        long i = (long) row * C + c;
        x[i] += m[c] * ((y[i] + bias[c]) * keep);
    }
}

// out = silu(y + bias) (out may alias y on the fp32 path): the time MLP and the AdaLN input.   grid: rows, block: 256
extern "C" __global__ void bias_silu(void* out, const float* y, const float* bias, int n, int out_bf16) {
    const float* yr = y + (long) blockIdx.x * n;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float x = yr[c] + bias[c];
        store(out, (long) blockIdx.x * n + c, x / (1.0f + expf(-x)), out_bf16);
    }
}

// out = gelu_tanh(y + bias) (out may alias y on the fp32 path).   grid: rows, block: 256
extern "C" __global__ void bias_gelu_tanh(void* out, const float* y, const float* bias, int n, int out_bf16) {
    const float* yr = y + (long) blockIdx.x * n;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float x = yr[c] + bias[c];
        float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
        store(out, (long) blockIdx.x * n + c, 0.5f * x * (1.0f + tanhf(inner)), out_bf16);
    }
}

// out[b, c, t] = y[b*T + t, c] + bias[c]   (back to channel-major).   grid: B*T, block: 128
extern "C" __global__ void to_channel_major(float* out, const float* y, const float* bias, int T, int M) {
    int row = blockIdx.x, b = row / T, t = row % T;
    for (int c = threadIdx.x; c < M; c += blockDim.x) out[((long) b * M + c) * T + t] = y[(long) row * M + c] + bias[c];
}
