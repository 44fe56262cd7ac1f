// Voice Studio - CUDA kernels of the flow's Euler/CFG solver (solve_euler of CausalConditionalCFM, reference
// §4.1) around the DiT of dit.cu, so the 10 steps run on the device without host round trips.
// Compiled at run time with NVRTC. Copyright (C) 2026 Voice Studio developers. GPL-3.0-or-later.
//
// The sample x is channel-major [80, T] (batch 1); the estimator's CFG batch is [2, 80, T].
// The arithmetic uses the _rn intrinsics so that no multiply-add is contracted into an FMA: each step
// rounds exactly as ConditionalFlowMatching does in Java (float32, official order).

// x[c, t] = noise[c, t] for t < T: rand_noise[:, :, :T] of the fixed [M, L] noise.   grid: ceil(M*T / 256), block: 256
extern "C" __global__ void noise_slice(float* x, const float* noise, int M, int T, int L) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long) M * T) return;
    long c = i / T, t = i % T;
    x[i] = noise[c * L + t];
}

// The CFG batch's sample: both rows are x (solve_euler: x_in[:] = x).   grid: ceil(plane / 256), block: 256
extern "C" __global__ void cfg_duplicate(float* x2, const float* x, int plane) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= plane) return;
    float v = x[i];
    x2[i] = v;
    x2[plane + i] = v;
}

// v = cond_w * v2[0] - uncond_w * v2[1] (cond_w = 1 + inference_cfg_rate, uncond_w = inference_cfg_rate), then
// x = x + dt * v.   grid: ceil(plane / 256), block: 256
extern "C" __global__ void cfg_euler_step(float* x, const float* v2, int plane, float cond_w, float uncond_w, float dt) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= plane) return;
    float v = __fsub_rn(__fmul_rn(cond_w, v2[i]), __fmul_rn(uncond_w, v2[plane + i]));
    x[i] = __fadd_rn(x[i], __fmul_rn(dt, v));
}
