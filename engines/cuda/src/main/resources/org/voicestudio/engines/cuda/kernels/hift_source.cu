// Voice Studio - CUDA kernels of the HiFT vocoder around the decoder (reference §5): the float64 F0 predictor's
// im2col and epilogues, the harmonic source (SineGen2 + SourceModuleHnNSF), the 16-point source STFT and the
// iSTFT head with its clamp. Compiled at run time with NVRTC. Copyright (C) 2026 Voice Studio developers.
// GPL-3.0-or-later.
//
// These mirror the host glue of org.voicestudio.inference.vocoder (HarmonicSource, Stft16, InverseStft16)
// operation by operation: float32 steps use the __f*_rn intrinsics, which the compiler never contracts into
// FMAs (Java evaluates a * b + c * d as two rounded products and a rounded sum), so the harmonic phase, a
// cumulative sum of ~1e5 radians, is bit-identical to the host's. Transcendentals are evaluated in float64
// and rounded to float32, as Java's Math.sin/tanh/exp on a float argument are.

#define STFT_N 16          // n_fft = win_length (istft_params.n_fft); the host checks the config
#define STFT_BINS 9        // n_fft / 2 + 1

// ---------------------------------------------------------------- F0 predictor (float64)

// col[(ci * k + kk), t] = x[ci, t + kk - pad_left], zero outside [0, tin): the GEMM operand of a conv1d,
// x float32 (the mel, cast to float64 as the official predictor does) or float64.
template <typename T>
__device__ void im2col(double* col, const T* x, int cin, int tin, int k, int pad_left, int tout) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    long n = (long) cin * k * tout;
    if (i >= n) return;
    int t = (int) (i % tout);
    long row = i / tout;
    int kk = (int) (row % k), ci = (int) (row / k);
    int u = t + kk - pad_left;
    col[i] = (u >= 0 && u < tin) ? (double) x[(long) ci * tin + u] : 0.0;
}

extern "C" __global__ void im2col_f32(double* col, const float* x, int cin, int tin, int k, int pad_left, int tout) {
    im2col<float>(col, x, cin, tin, k, pad_left, tout);
}

extern "C" __global__ void im2col_f64(double* col, const double* x, int cin, int tin, int k, int pad_left, int tout) {
    im2col<double>(col, x, cin, tin, k, pad_left, tout);
}

// y[c, t] = ELU(y[c, t] + bias[c]) (alpha 1), in place on the GEMM output [channels, frames].
extern "C" __global__ void bias_elu_f64(double* y, const double* bias, int channels, int frames) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long) channels * frames) return;
    double v = y[i] + bias[i / frames];
    y[i] = v <= 0.0 ? expm1(v) : v;
}

// classifier (Linear(cond, 1)) on h^T, then abs: f0[t] = |b + sum_c h[c, t] w[c]|, summed in channel order as
// the host does; also the float32 copy (.to(speech_feat)) the source uses. b_bits: the float64 bias's bits (the
// launcher passes 64-bit integers, not doubles).
extern "C" __global__ void f0_classifier(double* f0, float* f0f, const double* h, const double* w, long long b_bits, int channels, int frames) {
    double b = __longlong_as_double(b_bits);
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= frames) return;
    double s = 0.0;
    for (int c = 0; c < channels; c++) s = __dadd_rn(s, __dmul_rn(h[(long) c * frames + t], w[c]));
    double v = fabs(s + b);
    f0[t] = v;
    f0f[t] = (float) v;
}

// ---------------------------------------------------------------- harmonic source (SineGen2 + l_linear + tanh)

// rad_values at one up-sampled sample: ((f0 * k) / sr) % 1, plus rand_ini at sample 0.
__device__ float rad_value(const float* f0, float harmonic, int sample, int upsample, float sr, float rand_ini) {
    float fn = __fmul_rn(f0[sample / upsample], harmonic);
    float r = __fdiv_rn(fn, sr);
    r = __fsub_rn(r, floorf(r));
    return sample == 0 ? __fadd_rn(r, rand_ini) : r;
}

// The frame phase of _f02sine, one thread per harmonic, sequential over frames: the linearly down-sampled
// rad (align_corners=False), its cumulative sum in a float64 accumulator rounded to float32 per partial sum
// (PyTorch's CPU cumsum), times 2 pi, times upsample (480). phase: [frames, harmonics].
extern "C" __global__ void harmonic_phase(float* phase, const float* f0, const float* rand_ini, int frames, int harmonics,
                                          int upsample, float sr) {
    int k = threadIdx.x;
    if (k >= harmonics) return;
    const float pi = 3.14159265358979323846f;                       // np.pi as a float32 operand
    float harmonic = (float) (k + 1);
    float ini = rand_ini[k];
    float up = (float) upsample;
    int length = frames * upsample;
    double acc = 0.0;
    for (int i = 0; i < frames; i++) {
        float src = __fsub_rn(__fmul_rn(__fadd_rn((float) i, 0.5f), up), 0.5f);
        int i0 = max(0, (int) floorf(src));
        int i1 = min(i0 + 1, length - 1);
        float lambda1 = fmaxf(0.0f, __fsub_rn(src, (float) i0));
        float lambda0 = __fsub_rn(1.0f, lambda1);
        float rad = __fadd_rn(__fmul_rn(lambda0, rad_value(f0, harmonic, i0, upsample, sr, ini)),
                              __fmul_rn(lambda1, rad_value(f0, harmonic, i1, upsample, sr, ini)));
        acc = __dadd_rn(acc, (double) rad);
        float cumsum = (float) acc;
        phase[(long) i * harmonics + k] = __fmul_rn(__fmul_rn(__fmul_rn(cumsum, 2.0f), pi), up);
    }
}

// SineGen2's counter-based fixed noise of VocoderNoise.Seeded: a SplitMix64 hash of (seed, index), 24 bits in [0, 1).
__device__ float seeded_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return __fmul_rn((float) (z >> 40), 5.9604644775390625e-8f);    // 2^-24
}

// sines[t, k] = sin(phase[t, k]) * sine_amp: the sine bank of a frame, constant over its samples (nearest up-sampling).
extern "C" __global__ void frame_sines(float* sines, const float* phase, int n, float sine_amp) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) sines[i] = __fmul_rn((float) sin((double) phase[i]), sine_amp);
}

// One thread per sample s of [frames * upsample]: the frame's sine bank times the voiced mask, plus
// noise_amp * noise, mixed by l_linear, then tanh. noise: the fixed tensor [L, harmonics] when not null, else
// the seeded hash.
extern "C" __global__ void harmonic_source(float* source, const float* sines, const float* f0, const float* noise,
                                           unsigned long long seed, const float* linear_w, float linear_b, int frames,
                                           int harmonics, int upsample, float noise_std,
                                           float unvoiced_amp, float voiced_threshold) {
    long s = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= (long) frames * upsample) return;
    int t = (int) (s / upsample);
    bool voiced = f0[t] > voiced_threshold;
    float uv = voiced ? 1.0f : 0.0f;
    float noise_amp = voiced ? noise_std : unvoiced_amp;
    float acc = 0.0f;
    for (int k = 0; k < harmonics; k++) {
        float sine = sines[(long) t * harmonics + k];
        long idx = s * harmonics + k;
        float n = noise != nullptr ? noise[idx] : seeded_uniform(seed, (unsigned long long) idx);
        float wave = __fadd_rn(__fmul_rn(sine, uv), __fmul_rn(noise_amp, n));
        acc = __fadd_rn(acc, __fmul_rn(wave, linear_w[k]));
    }
    source[s] = (float) tanh((double) __fadd_rn(acc, linear_b));
}

// ---------------------------------------------------------------- STFT / iSTFT (n_fft 16, periodic Hann)

// torch.stft(center=True, reflect padding n_fft / 2, one-sided) of x [samples], one thread per frame t < keep:
// out [2 * bins, keep] (real rows, then imaginary rows), frames past keep (the non-final trim) not computed.
// window: float32 Hann values; cos_t / sin_t: float64 [bins, n_fft] tables of the host.
extern "C" __global__ void stft16(float* out, const float* x, int samples, int hop, int keep, const float* window,
                                  const double* cos_t, const double* sin_t) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= keep) return;
    double frame[STFT_N];
#pragma unroll
    for (int n = 0; n < STFT_N; n++) {
        int i = t * hop + n - STFT_N / 2;
        if (i < 0) i = -i;                                          // reflect, edge sample not repeated
        if (i >= samples) i = 2 * (samples - 1) - i;
        frame[n] = __dmul_rn((double) window[n], (double) x[i]);
    }
    for (int k = 0; k < STFT_BINS; k++) {
        double re = 0.0, im = 0.0;
#pragma unroll
        for (int n = 0; n < STFT_N; n++) {
            re = __dadd_rn(re, __dmul_rn(frame[n], cos_t[k * STFT_N + n]));
            im = __dsub_rn(im, __dmul_rn(frame[n], sin_t[k * STFT_N + n]));
        }
        out[(long) k * keep + t] = (float) re;
        out[(long) (STFT_BINS + k) * keep + t] = (float) im;
    }
}

// The iSTFT head per frame t of conv_post [2 * bins, frames]: magnitude min(exp(x), 100), phase sin(x), the
// one-sided inverse DFT (imaginary parts of DC and Nyquist ignored) / n_fft, times the synthesis window:
// ywin [frames, n_fft] float64, ready for the overlap-add.
extern "C" __global__ void istft_frames(double* ywin, const float* conv_post, int frames, const float* window,
                                        const double* cos_t, const double* sin_t) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= frames) return;
    double re[STFT_BINS], im[STFT_BINS];
#pragma unroll
    for (int k = 0; k < STFT_BINS; k++) {
        float magnitude = fminf((float) exp((double) conv_post[(long) k * frames + t]), 100.0f);
        float phase = (float) sin((double) conv_post[(long) (STFT_BINS + k) * frames + t]);
        re[k] = (double) __fmul_rn(magnitude, (float) cos((double) phase));
        im[k] = (double) __fmul_rn(magnitude, (float) sin((double) phase));
    }
#pragma unroll
    for (int n = 0; n < STFT_N; n++) {
        double y = __dadd_rn(re[0], (n & 1) == 0 ? re[STFT_BINS - 1] : -re[STFT_BINS - 1]);
#pragma unroll
        for (int k = 1; k < STFT_BINS - 1; k++) {
            double term = __dsub_rn(__dmul_rn(re[k], cos_t[k * STFT_N + n]), __dmul_rn(im[k], sin_t[k * STFT_N + n]));
            y = __dadd_rn(y, __dmul_rn(2.0, term));
        }
        y = __ddiv_rn(y, (double) STFT_N);
        ywin[(long) t * STFT_N + n] = __dmul_rn(y, (double) window[n]);
    }
}

// Overlap-add of ywin with hop, divided by the overlapped squared window, center trim of n_fft / 2, first
// `samples` outputs only (the non-final holdback), clamped to [-limit, limit]. One thread per output sample; the
// frames are summed in ascending order from 0, as the host's scatter adds them. The envelope is positive here
// for hop <= n_fft / 2 (the host checks the hop once).
extern "C" __global__ void istft_overlap(float* audio, const double* ywin, int frames, int hop, int samples,
                                         const float* window, float limit) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= samples) return;
    int p = i + STFT_N / 2;
    int t_lo = p >= STFT_N - 1 ? (p - (STFT_N - 1) + hop - 1) / hop : 0;
    int t_hi = min(frames - 1, p / hop);
    double sum = 0.0, envelope = 0.0;
    for (int t = t_lo; t <= t_hi; t++) {
        int n = p - t * hop;
        double w = (double) window[n];
        sum = __dadd_rn(sum, ywin[(long) t * STFT_N + n]);
        envelope = __dadd_rn(envelope, __dmul_rn(w, w));
    }
    float v = (float) (sum / envelope);
    audio[i] = fminf(fmaxf(v, -limit), limit);
}

// dst [rows, dst_cols] = src[:, :dst_cols] of src [rows, src_cols] (mel[:, :-3] for a non-final decoder call).
extern "C" __global__ void slice_columns(float* dst, const float* src, int rows, int src_cols, int dst_cols) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long) rows * dst_cols) return;
    long r = i / dst_cols, c = i % dst_cols;
    dst[i] = src[r * src_cols + c];
}
