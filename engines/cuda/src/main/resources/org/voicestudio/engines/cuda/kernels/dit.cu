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

// Two float32 values as one 32-bit register of bf16 (lo in the low half, as mma fragments pair them).
__device__ __forceinline__ unsigned int pack_bf16(float lo, float hi) {
    return (unsigned int) f32_to_bf16(lo) | ((unsigned int) f32_to_bf16(hi) << 16);
}

// d[16x8] += a[16x16] * b[16x8] on the tensor cores (bf16 inputs, fp32 accumulation), fragments as PTX's
// mma.m16n8k16 lays them out: with g = lane / 4, q = lane % 4, a = {(g, 2q..2q+1), (g+8, 2q..), (g, 2q+8..),
// (g+8, 2q+8..)}, b = {(k 2q..2q+1, n g), (k 2q+8.., n g)}, d = {(g, 2q), (g, 2q+1), (g+8, 2q), (g+8, 2q+1)}.
__device__ __forceinline__ void mma_bf16_16x8x16(float* d, unsigned int a0, unsigned int a1, unsigned int a2, unsigned int a3,
                                                 unsigned int b0, unsigned int b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// attention_flash on the tensor cores for the bf16 path: the same masks, tiles of 64 queries x 64 keys and
// online softmax, with Q, K, V and the probabilities P rounded to bf16 and fp32 accumulation (scores, row
// max/sum, output). Warp w owns query rows 16w..16w+15 of the tile: S = Q K^T as 8 mma tiles of 16 x 8 keys,
// then O += P V with P taken straight from the S accumulators (their layout is the A operand's). Dh <= 64
// (zero-padded to 64). Shared tiles are bf16 with rows of 72 (16 bytes of padding: the fragment loads hit 32
// different banks); V is stored transposed so a B fragment is one 32-bit load.
// grid: (H, ceil(T / 64), B), block: 128
extern "C" __global__ void __launch_bounds__(128) attention_mma_bf16(void* out, const float* qkv, const float* mask, int T,
                                                                     int H, int Dh, float scale, int chunk, int out_bf16) {
    const int FT = 64, LDS = 72, LDW = LDS / 2;
    __shared__ __align__(16) unsigned short Qs[FT * LDS];
    __shared__ __align__(16) unsigned short Ks[FT * LDS];
    __shared__ __align__(16) unsigned short Vt[FT * LDS];   // [d][key]
    const unsigned int* Qw = (const unsigned int*) Qs;
    const unsigned int* Kw = (const unsigned int*) Ks;
    const unsigned int* Vw = (const unsigned int*) Vt;
    int h = blockIdx.x, q0 = blockIdx.y * FT, b = blockIdx.z;
    int I = H * Dh;
    int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, q = lane & 3;
    for (int idx = tid; idx < FT * FT; idx += blockDim.x) {
        int r = idx / FT, d = idx % FT, t = q0 + r;
        Qs[r * LDS + d] = f32_to_bf16(t < T && d < Dh ? qkv[((long) b * T + t) * 3 * I + h * Dh + d] : 0.0f);
    }
    __syncthreads();
    int r0 = warp * 16 + g;   // this thread's rows of the tile: r0 and r0 + 8
    unsigned int qa[4][4];
#pragma unroll
    for (int kk = 0; kk < 4; kk++) {
        qa[kk][0] = Qw[r0 * LDW + kk * 8 + q];
        qa[kk][1] = Qw[(r0 + 8) * LDW + kk * 8 + q];
        qa[kk][2] = Qw[r0 * LDW + kk * 8 + 4 + q];
        qa[kk][3] = Qw[(r0 + 8) * LDW + kk * 8 + 4 + q];
    }
    int trow[2] = {q0 + r0, q0 + r0 + 8};
    int allowed[2];
    float m[2], l[2], o[8][4];
#pragma unroll
    for (int i = 0; i < 2; i++) {
        allowed[i] = chunk > 0 ? (trow[i] / chunk + 1) * chunk : T;
        m[i] = NEG_INF;
        l[i] = 0.0f;
    }
#pragma unroll
    for (int j = 0; j < 8; j++)
#pragma unroll
        for (int e = 0; e < 4; e++) o[j][e] = 0.0f;
    int q_last = min(T, q0 + FT) - 1;
    int kend = chunk > 0 ? min(T, (q_last / chunk + 1) * chunk) : T;
    for (int k0 = 0; k0 < kend; k0 += FT) {
        __syncthreads();   // every warp is done with the previous K and V tiles
        for (int idx = tid; idx < FT * FT; idx += blockDim.x) {
            int r = idx / FT, d = idx % FT, sidx = k0 + r;
            bool in = sidx < T && d < Dh;
            long base = ((long) b * T + sidx) * 3 * I + h * Dh + d;
            Ks[r * LDS + d] = f32_to_bf16(in ? qkv[base + I] : 0.0f);
            Vt[d * LDS + r] = f32_to_bf16(in ? qkv[base + 2 * I] : 0.0f);
        }
        __syncthreads();
        float s[8][4];
#pragma unroll
        for (int j = 0; j < 8; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) s[j][e] = 0.0f;
            int kr = j * 8 + g;
#pragma unroll
            for (int kk = 0; kk < 4; kk++) {
                mma_bf16_16x8x16(s[j], qa[kk][0], qa[kk][1], qa[kk][2], qa[kk][3],
                                 Kw[kr * LDW + kk * 8 + q], Kw[kr * LDW + kk * 8 + 4 + q]);
            }
        }
#pragma unroll
        for (int i = 0; i < 2; i++) {   // row r0 (accumulators 0, 1), row r0 + 8 (accumulators 2, 3)
            float mx = NEG_INF;
#pragma unroll
            for (int j = 0; j < 8; j++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    int sidx = k0 + j * 8 + 2 * q + e;
                    bool ok = sidx < T && sidx < allowed[i] && mask[(long) b * T + sidx] != 0.0f;
                    float v = ok ? s[j][2 * i + e] * scale : NEG_INF;
                    s[j][2 * i + e] = v;
                    mx = fmaxf(mx, v);
                }
            }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            float mnew = fmaxf(m[i], mx);
            float alpha = m[i] == NEG_INF ? 0.0f : expf(m[i] - mnew);
            float rs = 0.0f;
#pragma unroll
            for (int j = 0; j < 8; j++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    float v = s[j][2 * i + e];
                    float p = v == NEG_INF ? 0.0f : expf(v - mnew);
                    s[j][2 * i + e] = p;
                    rs += p;
                }
            }
            rs += __shfl_xor_sync(0xffffffffu, rs, 1);
            rs += __shfl_xor_sync(0xffffffffu, rs, 2);
            l[i] = l[i] * alpha + rs;
#pragma unroll
            for (int j = 0; j < 8; j++) {
                o[j][2 * i] *= alpha;
                o[j][2 * i + 1] *= alpha;
            }
            m[i] = mnew;
        }
#pragma unroll
        for (int kk = 0; kk < 4; kk++) {   // keys 16kk..16kk+15: P's A fragment from S tiles 2kk and 2kk+1
            unsigned int a0 = pack_bf16(s[2 * kk][0], s[2 * kk][1]);
            unsigned int a1 = pack_bf16(s[2 * kk][2], s[2 * kk][3]);
            unsigned int a2 = pack_bf16(s[2 * kk + 1][0], s[2 * kk + 1][1]);
            unsigned int a3 = pack_bf16(s[2 * kk + 1][2], s[2 * kk + 1][3]);
#pragma unroll
            for (int j = 0; j < 8; j++) {
                int vr = j * 8 + g;
                mma_bf16_16x8x16(o[j], a0, a1, a2, a3, Vw[vr * LDW + kk * 8 + q], Vw[vr * LDW + kk * 8 + 4 + q]);
            }
        }
    }
#pragma unroll
    for (int i = 0; i < 2; i++) {
        int t = trow[i];
        if (t >= T) continue;
#pragma unroll
        for (int j = 0; j < 8; j++) {
#pragma unroll
            for (int e = 0; e < 2; e++) {
                int d = j * 8 + 2 * q + e;
                if (d < Dh) store(out, ((long) b * T + t) * I + h * Dh + d, o[j][2 * i + e] / l[i], out_bf16);
            }
        }
    }
}

// causal_group_conv_mish_tiled on the tensor cores for the bf16 path, groups of exactly 64 channels: per
// (64 frames, group g, batch b) an implicit GEMM out[t, c] = sum_{k, j} in[t - (K-1) + k, g*64 + j] * w[c, j, k]
// over a bf16 shared tile of the (64 + K - 1) input rows, one 64 x 64 weight tap at a time (weights
// pre-arranged as bf16 [group][k][c][j]); fp32 accumulation, then mish(acc + bias) (+ residual, may alias out).
// Warp w owns frames 16w..16w+15 of the tile and all 64 channels (8 mma tiles of 16 x 8).
// grid: (ceil(T / 64), C / 64, B), block: 128
extern "C" __global__ void __launch_bounds__(128) causal_group_conv_mish_mma_bf16(float* out, const float* in,
        const unsigned short* wt, const float* bias, const float* residual, int T, int C, int K) {
    const int FT = 64, CPG = 64, LDS = 72, LDW = LDS / 2, MAXK = 64;
    extern __shared__ __align__(16) unsigned short conv_sm[];
    unsigned short* tile = conv_sm;                       // [(FT + K - 1)][LDS]
    unsigned short* wtap = conv_sm + (FT + MAXK) * LDS;    // [CPG (c)][LDS (j)]
    const unsigned int* tw = (const unsigned int*) tile;
    const unsigned int* ww = (const unsigned int*) wtap;
    int t0 = blockIdx.x * FT, grp = blockIdx.y, b = blockIdx.z;
    int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, q = lane & 3;
    int rows = FT + K - 1;
    for (int idx = tid; idx < rows * CPG; idx += blockDim.x) {
        int r = idx / CPG, j = idx % CPG, ts = t0 - (K - 1) + r;
        tile[r * LDS + j] = f32_to_bf16(ts >= 0 && ts < T ? in[((long) b * T + ts) * C + grp * CPG + j] : 0.0f);
    }
    float acc[8][4];
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) acc[n][e] = 0.0f;
    int r0 = warp * 16 + g;
    const unsigned short* wg = wt + (long) grp * K * CPG * CPG;
    for (int k = 0; k < K; k++) {
        __syncthreads();   // the previous tap is consumed (and, at k = 0, the input tile is written)
        for (int idx = tid; idx < CPG * CPG / 2; idx += blockDim.x) {   // 32-bit words: pairs of j
            int c = idx / (CPG / 2), jw = idx % (CPG / 2);
            ((unsigned int*) wtap)[c * LDW + jw] = ((const unsigned int*) (wg + ((long) k * CPG + c) * CPG))[jw];
        }
        __syncthreads();
#pragma unroll
        for (int js = 0; js < 4; js++) {
            unsigned int a0 = tw[(r0 + k) * LDW + js * 8 + q];
            unsigned int a1 = tw[(r0 + 8 + k) * LDW + js * 8 + q];
            unsigned int a2 = tw[(r0 + k) * LDW + js * 8 + 4 + q];
            unsigned int a3 = tw[(r0 + 8 + k) * LDW + js * 8 + 4 + q];
#pragma unroll
            for (int n = 0; n < 8; n++) {
                int c = n * 8 + g;
                mma_bf16_16x8x16(acc[n], a0, a1, a2, a3, ww[c * LDW + js * 8 + q], ww[c * LDW + js * 8 + 4 + q]);
            }
        }
    }
#pragma unroll
    for (int i = 0; i < 2; i++) {
        int t = t0 + r0 + 8 * i;
        if (t >= T) continue;
#pragma unroll
        for (int n = 0; n < 8; n++) {
#pragma unroll
            for (int e = 0; e < 2; e++) {
                int c = grp * CPG + n * 8 + 2 * q + e;
                long o = ((long) b * T + t) * C + c;
                float v = mish(acc[n][2 * i + e] + bias[c]);
                if (residual) v += residual[o];
                out[o] = v;
            }
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
