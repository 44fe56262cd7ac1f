// Voice Studio - on-GPU RAS sampling of the CosyVoice3 LLM stage, compiled at run time with NVRTC.
// Copyright (C) 2026 Voice Studio developers. GPL-3.0-or-later.
//
// One kernel, ras_sample, does what the host loop of inference/llm does per step (RasSampler,
// StopTokens, TokenBudget): mask the stop ids below the minimum length, softmax, the top-p/top-k
// nucleus (stable descending order, the crossing token included), one draw, the repetition-aware
// resample from the full softmax, the stop test; then it appends the id to the device token list
// and writes it where the next decode step's embedding reads it. It runs first in the captured
// decode graph, so a replay is "sample, then decode the sampled token", with no host round trip.
//
// Every floating-point step follows the Java reference so that, given the same uniforms, the same
// id is picked: probabilities are float32 from exp computed in double (Java: (float) Math.exp),
// normalised by a double sum; nucleus sums, uniforms and cumulative sums are double. Only summation
// order differs (a parallel tree instead of a loop), which moves a cumulative sum by ~1e-16.
//
// Generation state gen[8] (int32, device memory; zero at the start of an utterance):

#define G_COUNT 0      // tokens accepted so far (= entries of tokens[])
#define G_STEP 1       // sampling steps taken (accepted tokens + a final stop id)
#define G_DONE 2       // 0 running, 1 stop id sampled, 2 max tokens reached, 3 invalid scores (NaN or
                       // all -inf), 4 token list full, 5 injected uniforms exhausted
#define G_UNIFORMS 3   // uniforms drawn so far: the Philox counter, or the index into injected[]
#define G_LAST 4       // the id sampled by the last step (the stop id when G_DONE == 1)

#define NEG_INF __int_as_float(0xff800000)
#define POS_INF __int_as_float(0x7f800000)
#define SAMPLE_THREADS 1024
#define SAMPLE_ITEMS 8       // scores per thread: V <= 8192
#define MAX_TOP_K 64
#define NO_INDEX 0x7fffffff

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

// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): ten rounds
// of two 32x32->64 multiplies, the key bumped by the Weyl constants between rounds.
__device__ void philox4x32_10(unsigned int c[4], unsigned int k0, unsigned int k1) {
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        unsigned int hi0 = __umulhi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
        unsigned int hi1 = __umulhi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
        unsigned int n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
        c[0] = n0; c[1] = lo1; c[2] = n2; c[3] = lo0;
    }
}

// The next uniform in [0, 1) of this utterance (thread 0 only): injected[n] when given (parity
// tests), else Philox4x32-10 of counter (n, 0, 0, 0) and key (seed lo, seed hi), its first two words
// as a 64-bit value v, (v >>> 11) * 2^-53 (PhiloxRandom.java draws the same). -1 when the injected
// uniforms run out.
__device__ double draw_uniform(int* gen, const double* injected, int n_injected, unsigned long long seed) {
    unsigned int n = (unsigned int) gen[G_UNIFORMS];
    gen[G_UNIFORMS] = (int) (n + 1);
    if (injected) return (int) n < n_injected ? injected[n] : -1.0;
    unsigned int c[4] = {n, 0u, 0u, 0u};
    philox4x32_10(c, (unsigned int) seed, (unsigned int) (seed >> 32));
    unsigned long long v = ((unsigned long long) c[0] << 32) | c[1];
    return (double) (v >> 11) * 1.1102230246251565e-16;   // 2^-53
}

// a ranks before b in the stable descending order: larger probability, or equal and smaller index
__device__ __forceinline__ bool ranks_before(float pa, int ia, float pb, int ib) {
    return pa > pb || (pa == pb && ia < ib);
}

__device__ float block_max(float v, float* scratch) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < (int) (blockDim.x >> 5) ? scratch[lane] : NEG_INF;
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ double block_sum_d(double v, double* scratch) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < (int) (blockDim.x >> 5) ? scratch[lane] : 0.0;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ int block_max_int(int v, int* scratch) {
    for (int o = 16; o > 0; o >>= 1) v = max(v, __shfl_xor_sync(0xffffffffu, v, o));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < (int) (blockDim.x >> 5) ? scratch[lane] : -1;
    for (int o = 16; o > 0; o >>= 1) v = max(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ int block_min_int(int v, int* scratch) {
    for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(0xffffffffu, v, o));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < (int) (blockDim.x >> 5) ? scratch[lane] : NO_INDEX;
    for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// The best (p, i) of the block in the stable descending order; every thread gets it.
__device__ void block_best(float* p, int* i, float* sp, int* si) {
    float bp = *p;
    int bi = *i;
    for (int o = 16; o > 0; o >>= 1) {
        float op = __shfl_xor_sync(0xffffffffu, bp, o);
        int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (ranks_before(op, oi, bp, bi)) { bp = op; bi = oi; }
    }
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();
    if (lane == 0) { sp[warp] = bp; si[warp] = bi; }
    __syncthreads();
    bool has = lane < (int) (blockDim.x >> 5);
    bp = has ? sp[lane] : -1.0f;
    bi = has ? si[lane] : NO_INDEX;
    for (int o = 16; o > 0; o >>= 1) {
        float op = __shfl_xor_sync(0xffffffffu, bp, o);
        int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (ranks_before(op, oi, bp, bi)) { bp = op; bi = oi; }
    }
    *p = bp;
    *i = bi;
}

// Exclusive prefix sum over threads (in thread order) of v; *total gets the block's sum.
__device__ double block_exclusive_scan_d(double v, double* scratch, double* total) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    double inc = v;
    for (int o = 1; o < 32; o <<= 1) {
        double up = __shfl_up_sync(0xffffffffu, inc, o);
        if (lane >= o) inc += up;
    }
    double exc = __shfl_up_sync(0xffffffffu, inc, 1);
    if (lane == 0) exc = 0.0;
    __syncthreads();
    if (lane == 31) scratch[warp] = inc;
    __syncthreads();
    double before = 0.0, all = 0.0;
    for (int w = 0; w < warps; w++) {
        if (w < warp) before += scratch[w];
        all += scratch[w];
    }
    *total = all;
    return before + exc;
}

// softmax of this thread's scores s[] into p[] like RasSampler.softmax: float32 exp(s - max) (exp in
// double, like (float) Math.exp), divided by their double sum, rounded to float32.
__device__ void softmax_items(const float* s, float* p, float mx, double* dscratch) {
    double part = 0.0;
#pragma unroll
    for (int j = 0; j < SAMPLE_ITEMS; j++) {
        p[j] = (float) exp((double) (s[j] - mx));
        part += (double) p[j];
    }
    double sum = block_sum_d(part, dscratch);
#pragma unroll
    for (int j = 0; j < SAMPLE_ITEMS; j++) p[j] = (float) ((double) p[j] / sum);
}

// One RAS sampling step (RasSampler.sample + StopTokens + TokenBudget of inference/llm) on the
// log-probs logp[V]; see the file comment. Thread t owns scores t*8 .. t*8+7 (index order, for the
// multinomial's prefix sum). Does nothing once gen[G_DONE] is set.
// grid: 1, block: 1024. Needs V <= 8192, top_k <= 64, stop_end <= V.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS) ras_sample(
        const float* logp, int V, int* gen, int* tokens, int capacity, int* next_token,
        const double* injected, int n_injected, unsigned long long seed,
        int top_k, float top_p, int win_size, int min_repeats,
        int stop_first, int stop_end, int min_tokens, int max_tokens) {
    __shared__ float sp[32];
    __shared__ int si[32];
    __shared__ double sd[32];
    __shared__ float nuc_p[MAX_TOP_K];
    __shared__ int nuc_i[MAX_TOP_K];
    __shared__ int s_token, s_resample, s_fail;
    __shared__ double s_u;
    pdl_start();
    pdl_wait();
    int done = gen[G_DONE], step = gen[G_STEP], count = gen[G_COUNT];
    __syncthreads();   // everyone has read gen before thread 0 may write it
    if (done != 0) return;
    int t = threadIdx.x;
    bool mask = step < min_tokens;   // TokenBudget.masksStopIds(step)

    // scores, stop ids masked below the minimum length
    float s[SAMPLE_ITEMS];
    float mx = NEG_INF;
    bool bad = false;
#pragma unroll
    for (int j = 0; j < SAMPLE_ITEMS; j++) {
        int i = t * SAMPLE_ITEMS + j;
        float v = i < V ? logp[i] : NEG_INF;
        if (mask && i >= stop_first && i < stop_end) v = NEG_INF;
        bad |= v != v;
        s[j] = v;
        mx = fmaxf(mx, v);
    }
    bad = __syncthreads_or(bad);
    mx = block_max(mx, sp);
    if (bad || mx == NEG_INF) {   // RasSampler.softmax throws on a NaN score or when every score is -inf
        if (t == 0) gen[G_DONE] = 3;
        return;
    }
    float p[SAMPLE_ITEMS];
    softmax_items(s, p, mx, sd);

    // nucleus: the best top_k in stable descending order, taken while the float32 running sum is
    // below top_p (so the crossing token is included). Rounds stop as soon as the sum reaches top_p:
    // the tokens after it are never taken.
    int k = min(top_k, V);
    float last_p = POS_INF, cum = 0.0f;
    int last_i = -1, n = 0;
    while (n < k && cum < top_p) {
        float bp = -1.0f;
        int bi = NO_INDEX;
#pragma unroll
        for (int j = 0; j < SAMPLE_ITEMS; j++) {
            int i = t * SAMPLE_ITEMS + j;
            if (i < V && ranks_before(last_p, last_i, p[j], i) && ranks_before(p[j], i, bp, bi)) { bp = p[j]; bi = i; }
        }
        block_best(&bp, &bi, sp, si);
        if (t == 0) { nuc_p[n] = bp; nuc_i[n] = bi; }
        last_p = bp;
        last_i = bi;
        cum += bp;
        n++;
    }
    __syncthreads();
    if (t == 0) {
        // RasSampler.nucleus: a draw proportional to the (not renormalised) probabilities
        int fail = 0, token;
        double total = 0.0;
        for (int r = 0; r < n; r++) total += (double) nuc_p[r];
        double u01 = draw_uniform(gen, injected, n_injected, seed);
        if (u01 < 0.0) fail = 5;
        double u = u01 * total, c = 0.0;
        int last_positive = 0;
        token = -1;
        for (int r = 0; r < n; r++) {
            if (nuc_p[r] <= 0.0f) continue;
            c += (double) nuc_p[r];
            last_positive = r;
            if (u < c) { token = nuc_i[r]; break; }
        }
        if (token < 0) token = nuc_i[last_positive];
        // repetition-aware: occurrences among the last win_size accepted tokens
        int seen = 0;
        for (int r = max(0, count - win_size); r < count; r++) seen += tokens[r] == token;
        s_token = token;
        s_resample = seen >= min_repeats;
        s_fail = fail;
    }
    __syncthreads();
    int token = s_token;
    if (s_fail == 0 && s_resample) {
        // random_sampling over the FULL softmax of the scores with the nucleus pick set to -inf
        float mx2 = NEG_INF;
#pragma unroll
        for (int j = 0; j < SAMPLE_ITEMS; j++) {
            if (t * SAMPLE_ITEMS + j == token) s[j] = NEG_INF;
            mx2 = fmaxf(mx2, s[j]);
        }
        mx2 = block_max(mx2, sp);
        if (mx2 == NEG_INF) {   // no token left to resample
            if (t == 0) gen[G_DONE] = 3;
            return;
        }
        softmax_items(s, p, mx2, sd);
        double local = 0.0;
        int last_positive = -1;
#pragma unroll
        for (int j = 0; j < SAMPLE_ITEMS; j++) {
            local += (double) p[j];
            if (p[j] > 0.0f) last_positive = t * SAMPLE_ITEMS + j;
        }
        double total;
        double before = block_exclusive_scan_d(local, sd, &total);
        last_positive = block_max_int(last_positive, si);
        if (t == 0) {
            double u01 = draw_uniform(gen, injected, n_injected, seed);
            if (u01 < 0.0) s_fail = 5;
            s_u = u01 * total;
        }
        __syncthreads();
        double u = s_u, c = before;
        int found = NO_INDEX;
#pragma unroll
        for (int j = 0; j < SAMPLE_ITEMS; j++) {
            if (p[j] <= 0.0f) continue;   // a zero-probability token is never drawn
            c += (double) p[j];
            if (u < c && found == NO_INDEX) found = t * SAMPLE_ITEMS + j;
        }
        found = block_min_int(found, si);
        token = found != NO_INDEX ? found : last_positive;
    }
    if (t != 0) return;
    if (s_fail != 0) {
        gen[G_DONE] = s_fail;
        return;
    }
    gen[G_STEP] = step + 1;
    gen[G_LAST] = token;
    if (token >= stop_first && token < stop_end) {
        gen[G_DONE] = 1;   // a stop id ends the utterance and is not passed on
        return;
    }
    if (count >= capacity) {
        gen[G_DONE] = 4;
        return;
    }
    tokens[count] = token;
    gen[G_COUNT] = count + 1;
    *next_token = token;   // the next decode step embeds speech_embedding[token]
    if (step + 1 >= max_tokens) gen[G_DONE] = 2;
}
