// Voice Studio - CUDA kernels of the CosyVoice3 flow estimator (DiT, F5-TTS style; reference §4.3),
// compiled at run time with NVRTC. Copyright (C) 2026 Voice Studio developers. GPL-3.0-or-later.
//
// Activations are row-major [B*T, C] (row = b*T + t) in float32; the estimator's inputs and output
// are channel-major [B, 80, T] as the official module takes them. GEMMs run through cuBLAS.

#define NEG_INF __int_as_float(0xff800000)

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

// InputEmbedding's concat: row (b, t) = [x[b,:,t], cond[b,:,t], mu[b,:,t], spks[b,:]] (4 x M wide).
// grid: B*T, block: 256
extern "C" __global__ void dit_input_concat(float* out, const float* x, const float* cond, const float* mu,
                                            const float* spks, int T, int M) {
    int row = blockIdx.x, b = row / T, t = row % T;
    float* o = out + (long) row * 4 * M;
    for (int c = threadIdx.x; c < M; c += blockDim.x) {
        long src = ((long) b * M + c) * T + t;
        o[c] = x[src];
        o[M + c] = cond[src];
        o[2 * M + c] = mu[src];
        o[3 * M + c] = spks[(long) b * M + c];
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

// CausalConvPositionEmbedding stage: out[b,t,c] = mish(bias[c] + sum_{j,k} w[c,j,k] * in[b, t-(K-1)+k, g*CPG+j])
// (+ residual[b,t,c] when residual is set; may alias out). Grouped conv, left zero padding K-1.
// grid: B*T, block: 256
extern "C" __global__ void causal_group_conv_mish(float* out, const float* in, const float* w, const float* bias,
                                                  const float* residual, int T, int C, int CPG, int K) {
    int row = blockIdx.x, b = row / T, t = row % T;
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
        int g0 = (c / CPG) * CPG;
        float acc = bias[c];
        const float* wc = w + (long) c * CPG * K;
        for (int k = 0; k < K; k++) {
            int ts = t - (K - 1) + k;
            if (ts < 0) continue;
            const float* src = in + ((long) b * T + ts) * C + g0;
            for (int j = 0; j < CPG; j++) acc += wc[j * K + k] * src[j];
        }
        float v = mish(acc);
        if (residual) v += residual[(long) row * C + c];
        out[(long) row * C + c] = v;
    }
}

// out = LayerNorm(x) * (1 + mod[b, scale_at + c]) + mod[b, shift_at + c]; LayerNorm without affine,
// biased variance, eps. mod is [B, mod_width].   grid: B*T, block: 256
extern "C" __global__ void layernorm_modulate(float* out, const float* x, const float* mod, int T, int C, int mod_width,
                                              int shift_at, int scale_at, float eps) {
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
        out[(long) row * C + c] = (xr[c] - mean) * inv * (1.0f + m[scale_at + c]) + m[shift_at + c];
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

// Attention with a key mask: query (b, t) of head h over keys s with mask[b, s] != 0 and, when chunk > 0,
// s < (t / chunk + 1) * chunk (the streaming block-causal mask of add_optional_chunk_mask, counted from
// frame 0; chunk 0 = full attention).
// qkv [B*T, 3*I] (q | k | v, heads of Dh inside each), out [B*T, I]. Scores in shared memory (T floats).
// grid: (H, T, B), block: 128, dynamic shared memory: T * 4 bytes. Dh <= 128.
extern "C" __global__ void attention_full(float* out, const float* qkv, const float* mask, int T, int H, int Dh,
                                          float scale, int chunk) {
    extern __shared__ float scores[];
    __shared__ float scratch[32];
    __shared__ float partial[4 * 128];
    int h = blockIdx.x, t = blockIdx.y, b = blockIdx.z;
    int I = H * Dh;
    const float* q = qkv + ((long) b * T + t) * 3 * I + h * Dh;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    float qr[4];
#pragma unroll
    for (int m = 0; m < 4; m++) qr[m] = lane + 32 * m < Dh ? q[lane + 32 * m] : 0.0f;
    int T_end = chunk > 0 ? min(T, (t / chunk + 1) * chunk) : T;   // keys past this are masked
    float local_max = NEG_INF;
    for (int s = warp; s < T_end; s += warps) {
        const float* k = qkv + ((long) b * T + s) * 3 * I + I + h * Dh;
        float sc = 0.0f;
#pragma unroll
        for (int m = 0; m < 4; m++) if (lane + 32 * m < Dh) sc += qr[m] * k[lane + 32 * m];
        for (int o = 16; o > 0; o >>= 1) sc += __shfl_xor_sync(0xffffffffu, sc, o);
        sc = mask[(long) b * T + s] != 0.0f ? sc * scale : NEG_INF;
        if (lane == 0) scores[s] = sc;
        local_max = fmaxf(local_max, sc);
    }
    float mx = block_max(local_max, scratch);
    float local_sum = 0.0f;
    for (int s = threadIdx.x; s < T_end; s += blockDim.x) {
        float e = scores[s] == NEG_INF ? 0.0f : expf(scores[s] - mx);
        scores[s] = e;
        local_sum += e;
    }
    float sum = block_sum(local_sum, scratch);
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int s = warp; s < T_end; s += warps) {
        float p = scores[s];
        const float* v = qkv + ((long) b * T + s) * 3 * I + 2 * I + h * Dh;
#pragma unroll
        for (int m = 0; m < 4; m++) if (lane + 32 * m < Dh) acc[m] += p * v[lane + 32 * m];
    }
#pragma unroll
    for (int m = 0; m < 4; m++) if (lane + 32 * m < Dh) partial[warp * Dh + lane + 32 * m] = acc[m];
    __syncthreads();
    for (int d = threadIdx.x; d < Dh; d += blockDim.x) {
        float a = 0.0f;
        for (int w = 0; w < warps; w++) a += partial[w * Dh + d];
        out[((long) b * T + t) * I + h * Dh + d] = a / sum;
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

// y = gelu_tanh(y + bias).   grid: rows, block: 256
extern "C" __global__ void bias_gelu_tanh(float* y, const float* bias, int n) {
    float* yr = y + (long) blockIdx.x * n;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float x = yr[c] + bias[c];
        float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
        yr[c] = 0.5f * x * (1.0f + tanhf(inner));
    }
}

// out[b, c, t] = y[b*T + t, c] + bias[c]   (back to channel-major).   grid: B*T, block: 128
extern "C" __global__ void to_channel_major(float* out, const float* y, const float* bias, int T, int M) {
    int row = blockIdx.x, b = row / T, t = row % T;
    for (int c = threadIdx.x; c < M; c += blockDim.x) out[((long) b * M + c) * T + t] = y[(long) row * M + c] + bias[c];
}
