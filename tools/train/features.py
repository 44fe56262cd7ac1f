"""Audio features of the demo model, in PyTorch (CUDA or CPU; torch 1.13 .. 2.11).

Each function is the official frontend's computation (reference §2.3-2.6), written out so it
runs batched on the GPU and without torchaudio/librosa/whisper; `python3 tools/train/features.py
--check` compares every one with the golden tensors of /work/shared/golden/cv3-tiny.

  resample(x, orig, new)   torchaudio.functional.resample defaults (sinc_interp_hann, width 6, rolloff 0.99)
  matcha_mel(wav24k)       Matcha log-mel of cosyvoice3.yaml: n_fft 1920, hop 480, win 1920, 80 mels,
                           fmin 0, fmax 12000 (None -> sr/2), center=False reflect pad 720, ln(clamp 1e-5)
  whisper_logmel(wav16k)   whisper.log_mel_spectrogram(n_mels=128): n_fft 400, hop 160, center reflect,
                           last frame dropped, log10(clamp 1e-10), max(x, max-8), (x+4)/4
  kaldi_fbank(wav16k)      torchaudio.compliance.kaldi.fbank(num_mel_bins=80, dither=0) defaults;
  campplus_input(wav16k)   ... minus its mean over time (the CAM++ input)
  f0_per_mel_frame(wav24k) F0 in Hz (0 = unvoiced) for each Matcha mel frame (YIN, batched)
"""
import argparse
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

import safetensors_np

SR = 24000
N_FFT, HOP, WIN, N_MELS = 1920, 480, 1920, 80
WHISPER_SR, WHISPER_NFFT, WHISPER_HOP, WHISPER_MELS = 16000, 400, 160, 128
FBANK_BINS = 80

_cache = {}


def _cached(key, make, device):
    k = (key, str(device))
    if k not in _cache:
        _cache[k] = make().to(device)
    return _cache[k]


# ---------------- resampling ----------------

def _sinc_kernel(orig, new, width=6, rolloff=0.99):
    """torchaudio _get_sinc_resample_kernel (sinc_interp_hann) in float64 -> float32, [new, 1, taps]."""
    base = min(orig, new) * rolloff
    w = int(math.ceil(width * orig / base))
    idx = torch.arange(-w, w + orig, dtype=torch.float64)[None, None] / orig
    t = torch.arange(0, -new, -1, dtype=torch.float32)[:, None, None].double() / new + idx
    t = (t * base).clamp(-width, width)
    window = torch.cos(t * math.pi / width / 2) ** 2
    t = t * math.pi
    scale = base / orig
    kernel = torch.where(t == 0, torch.tensor(1.0, dtype=t.dtype), torch.sin(t) / t)
    return (kernel * window * scale).float(), w


def _torchaudio_resample():
    """torchaudio.functional.resample when torchaudio is usable here, else None (our kernel is the same)."""
    if "ta" not in _cache:
        try:
            import torchaudio.functional as AF
            _cache["ta"] = AF.resample
        except Exception:  # not installed, or its native library does not load
            _cache["ta"] = None
    return _cache["ta"]


def resample(x, orig, new):
    """x: [..., N] float -> [..., ceil(N*new/orig)] (torchaudio.functional.resample defaults)."""
    if orig == new:
        return x
    ta = _torchaudio_resample()
    if ta is not None:
        return ta(x, orig, new)
    g = math.gcd(orig, new)
    o, n = orig // g, new // g
    w = int(math.ceil(6 * o / (min(o, n) * 0.99)))                         # as in _sinc_kernel
    kernel = _cached(("sinc", o, n), lambda: _sinc_kernel(o, n)[0], x.device)
    shape = x.shape
    L = shape[-1]
    y = F.pad(x.reshape(-1, 1, L), (w, w + o))
    y = F.conv1d(y, kernel, stride=o)                      # [B, n, frames]
    y = y.transpose(1, 2).reshape(y.shape[0], -1)
    target = int(math.ceil(n * L / o))
    return y[..., :target].reshape(*shape[:-1], target)


# ---------------- mel filterbanks ----------------

def slaney_mel(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) (Slaney scale and norm), float32 [n_mels, n_fft//2+1]."""
    fmax = sr / 2.0 if fmax is None else fmax
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0

    def hz_to_mel(f):
        return f / f_sp if f < min_log_hz else min_log_mel + math.log(f / min_log_hz) / logstep

    def mel_to_hz(m):
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fftfreqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, len(fftfreqs)), dtype=np.float32)
    for i in range(n_mels):
        weights[i] = np.maximum(0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return torch.from_numpy(weights)


# ---------------- Matcha mel (24 kHz) ----------------

def matcha_mel(wav):
    """wav [B, N] float in [-1,1] at 24 kHz -> log-mel [B, 80, N//480] (channel-major, as the Java Mel)."""
    basis = _cached("mel24", lambda: slaney_mel(SR, N_FFT, N_MELS, 0.0, None), wav.device)
    window = _cached("hann1920", lambda: torch.hann_window(WIN), wav.device)
    pad = (N_FFT - HOP) // 2
    y = F.pad(wav.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    spec = torch.stft(y, N_FFT, hop_length=HOP, win_length=WIN, window=window, center=False,
                      pad_mode="reflect", normalized=False, onesided=True, return_complex=True)
    spec = torch.sqrt(spec.real ** 2 + spec.imag ** 2 + 1e-9)
    return torch.log(torch.clamp(basis @ spec, min=1e-5))


# ---------------- whisper log-mel (16 kHz) ----------------

def whisper_logmel(wav):
    """wav [B, N] at 16 kHz -> [B, 128, N//160] (per-utterance max clamp: one utterance per row;
    pad rows only with care, the max(x, max-8) floor is per row)."""
    filters = _cached("mel16", lambda: slaney_mel(WHISPER_SR, WHISPER_NFFT, WHISPER_MELS), wav.device)
    window = _cached("hann400", lambda: torch.hann_window(WHISPER_NFFT), wav.device)
    stft = torch.stft(wav, WHISPER_NFFT, WHISPER_HOP, window=window, return_complex=True)
    mag = stft[..., :-1].abs() ** 2
    log_spec = torch.clamp(filters @ mag, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.amax(dim=(-2, -1), keepdim=True) - 8.0)
    return (log_spec + 4.0) / 4.0


# ---------------- Kaldi fbank (16 kHz) ----------------

def _kaldi_mel_banks(num_bins=80, n_fft=512, sr=16000, low=20.0, high=0.0):
    """torchaudio.compliance.kaldi.get_mel_banks (no VTLN), [num_bins, n_fft//2] + a zero column."""
    nyquist = 0.5 * sr
    high = high if high > 0 else nyquist + high
    fft_bin_width = sr / n_fft
    mel = lambda f: 1127.0 * torch.log(1.0 + f / 700.0)
    mel_low, mel_high = mel(torch.tensor(low)), mel(torch.tensor(high))
    delta = (mel_high - mel_low) / (num_bins + 1)
    b = torch.arange(num_bins).unsqueeze(1)
    left = mel_low + b * delta
    center = mel_low + (b + 1.0) * delta
    right = mel_low + (b + 2.0) * delta
    m = mel(fft_bin_width * torch.arange(n_fft // 2)).unsqueeze(0)
    up = (m - left) / (center - left)
    down = (right - m) / (right - center)
    banks = torch.max(torch.zeros(1), torch.min(up, down))
    return F.pad(banks, (0, 1))  # [num_bins, n_fft//2 + 1]


def kaldi_fbank(wav):
    """wav [N] float at 16 kHz (not int16-scaled) -> [T, 80], T = 1 + (N-400)//160
    (torchaudio.compliance.kaldi.fbank(num_mel_bins=80, dither=0, sample_frequency=16000))."""
    frame, shift, padded = 400, 160, 512
    eps = torch.finfo(torch.float32).eps
    frames = wav.unfold(0, frame, shift)                                    # [T, 400] (snip_edges)
    frames = frames - frames.mean(dim=1, keepdim=True)                      # remove_dc_offset
    prev = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)                # preemphasis 0.97, replicate first
    frames = frames - 0.97 * prev
    window = _cached("povey", lambda: torch.hann_window(frame, periodic=False).pow(0.85), wav.device)
    frames = F.pad(frames * window, (0, padded - frame))
    power = torch.fft.rfft(frames).abs().pow(2.0)                           # [T, 257]
    banks = _cached("kaldi80", lambda: _kaldi_mel_banks(FBANK_BINS, padded), wav.device)
    return torch.clamp(power @ banks.T, min=eps).log()


def kaldi_fbank_batch(x):
    """kaldi_fbank of each row of x [B, N] -> [B, 1 + (N-400)//160, 80] (rows zero-padded by the
    caller: frames inside a row's own length equal kaldi_fbank of that row alone)."""
    B = x.shape[0]
    frames = x.unfold(1, 400, 160)                                          # [B, T, 400]
    frames = frames - frames.mean(dim=2, keepdim=True)
    prev = torch.cat([frames[..., :1], frames[..., :-1]], dim=2)
    frames = frames - 0.97 * prev
    window = _cached("povey", lambda: torch.hann_window(400, periodic=False).pow(0.85), x.device)
    frames = F.pad(frames * window, (0, 512 - 400))
    power = torch.fft.rfft(frames).abs().pow(2.0)
    banks = _cached("kaldi80", lambda: _kaldi_mel_banks(FBANK_BINS, 512), x.device)
    return torch.clamp(power @ banks.T, min=torch.finfo(torch.float32).eps).log()


def campplus_input(wav16k):
    """[T, 80]: fbank minus its mean over time, what CAM++ gets (batch dim added by the caller)."""
    f = kaldi_fbank(wav16k)
    return f - f.mean(dim=0, keepdim=True)


# ---------------- F0 ----------------

F0_MIN, F0_MAX = 50.0, 550.0
YIN_THRESHOLD = 0.35  # espeak-ng variants with roughness (m3) have aperiodicity 0.2-0.4 in voiced frames
F0_WIN = 1920  # 80 ms window centred on the mel frame: covers 4 periods at 50 Hz


def f0_per_mel_frame(wav, sr=SR, hop=HOP):
    """YIN F0 (Hz, 0 when unvoiced) per mel frame: [B, N] -> [B, N//hop]. Mel frame t covers samples
    [t*hop - 720, t*hop + 1200), centred on t*hop + hop/2; the F0 window (80 ms) is centred there too.
    espeak-ng output is clean, so plain YIN (cumulative mean normalised difference, first dip
    below 0.15, parabolic interpolation) suffices; voiced = that dip exists and rms > 1e-3."""
    B, N = wav.shape
    T = N // hop
    tau_min, tau_max = int(sr / F0_MAX), int(math.ceil(sr / F0_MIN))
    W = F0_WIN
    half = (W + tau_max) // 2
    centre = torch.arange(T, device=wav.device) * hop + hop // 2
    x = F.pad(wav, (half, half + W + tau_max))
    idx = centre[:, None] + torch.arange(W + tau_max, device=wav.device)[None, :]  # [T, W+tau_max]
    seg = x[:, idx]                                                           # [B, T, W+tau_max]
    # difference function d(tau) = sum_j (x_j - x_{j+tau})^2 over a W window, via FFT correlation
    n = 1 << int(math.ceil(math.log2(W + tau_max)))    # lags 0..tau_max never wrap
    a = seg[..., :W]
    fa = torch.fft.rfft(a, n)
    fs = torch.fft.rfft(seg, n)
    corr = torch.fft.irfft(fs * fa.conj(), n)[..., :tau_max + 1]              # r(tau) = sum_j a_j seg_{j+tau}
    e0 = (a * a).sum(-1, keepdim=True)
    cs = F.pad(torch.cumsum(seg * seg, -1), (1, 0))
    taus = torch.arange(tau_max + 1, device=wav.device)
    e_tau = cs[..., taus + W] - cs[..., taus]                                 # energy of the shifted window
    d = (e0 + e_tau - 2 * corr).clamp(min=0)
    # cumulative mean normalised difference
    cmnd = d[..., 1:] * torch.arange(1, tau_max + 1, device=wav.device) / torch.cumsum(d[..., 1:], -1).clamp(min=1e-12)
    cmnd = F.pad(cmnd, (1, 0), value=1.0)
    cmnd[..., :tau_min] = 2.0
    below = cmnd < YIN_THRESHOLD
    # the first dip below the threshold, and its minimum (the dip ends where cmnd rises above it)
    has = below.any(-1)
    first = below.float().argmax(-1)
    after = taus[None, None, :] >= first[..., None]
    left_dip = torch.cumsum((after & ~below).int(), -1) > 0
    dip = after & ~left_dip
    tau = torch.where(has, cmnd.masked_fill(~dip, float("inf")).argmin(-1), cmnd.argmin(-1))
    # parabolic interpolation
    tm = (tau - 1).clamp(min=1)
    tp = (tau + 1).clamp(max=tau_max)
    ym, y0, yp = (cmnd.gather(-1, t[..., None])[..., 0] for t in (tm, tau, tp))
    den = ym - 2 * y0 + yp
    shift = torch.where(den.abs() > 1e-9, 0.5 * (ym - yp) / den, torch.zeros_like(den)).clamp(-1, 1)
    period = tau.float() + shift
    aper = y0
    rms = (e0[..., 0] / W).sqrt()
    voiced = (aper < YIN_THRESHOLD) & (rms > 1e-3) & (tau >= tau_min)
    f0 = torch.where(voiced, sr / period.clamp(min=1), torch.zeros_like(period))
    return f0


# ---------------- golden check ----------------

# Tolerances (fp32; the golden tensors come from the official float32 code on CPU):
RESAMPLE_TOL = 1e-5        # same kernel, different summation order
MEL_BASIS_TOL = 1e-7       # identical float64 -> float32 construction
LOGMEL_TOL = 1e-4          # bins that carry signal (as the Java PromptFeaturesTest)
NOISE_LOG_TOL = 2e-2       # bins holding only the float32 FFT rounding noise of the reference (log < -7)
MATCHA_NOISE_FLOOR = -7.0
WHISPER_TOL = 1e-4         # log10 on power, scaled by 1/4
FBANK_TOL = 2e-3           # log power; absolute, Kaldi FFT (rfft) vs torch.fft rounding on quiet frames


def check(golden_dir):
    g = {k: torch.from_numpy(v) for k, v in safetensors_np.read(os.path.join(golden_dir, "golden.safetensors")).items()}
    w24 = g["fe_wave_24k"]
    results = []

    def cmp(name, got, ref, tol):
        err = (got.double() - ref.double()).abs().max().item()
        results.append((name, err, tol, err <= tol))

    cmp("resample 24k->16k", resample(w24, 24000, 16000), g["fe_wave_16k"], RESAMPLE_TOL)
    cmp("mel basis 24k", slaney_mel(SR, N_FFT, N_MELS), g["fe_mel_basis_24k"], MEL_BASIS_TOL)
    cmp("whisper filters", slaney_mel(16000, 400, 128), g["fe_whisper_filters"], MEL_BASIS_TOL)
    mel, ref = matcha_mel(w24).transpose(1, 2), g["fe_mel_24k"]
    sig = ref > MATCHA_NOISE_FLOOR
    cmp("matcha mel (signal bins)", mel[sig], ref[sig], LOGMEL_TOL)
    cmp("matcha mel (noise bins)", mel[~sig], ref[~sig], NOISE_LOG_TOL)
    w16 = g["fe_wave_16k"]
    cmp("whisper log-mel", whisper_logmel(w16), g["fe_whisper_logmel"], WHISPER_TOL)
    cmp("kaldi fbank", kaldi_fbank(w16[0]), g["fe_fbank_raw"], FBANK_TOL)
    cmp("campplus input", campplus_input(w16[0]).unsqueeze(0), g["fe_campplus_input"], FBANK_TOL)
    # F0 on the golden chirp (110 -> 330 Hz linear over 1.3 s): compare with the analytic F0
    f0 = f0_per_mel_frame(w24)[0]
    t = (torch.arange(f0.numel()) * HOP + HOP // 2) / SR
    truth = 110 + (330 - 110) * t / 1.3
    inner = slice(2, f0.numel() - 2)  # fades at both ends
    rel = ((f0[inner] - truth[inner]).abs() / truth[inner]).max().item()
    results.append(("f0 on chirp (max rel err)", rel, 0.02, rel <= 0.02))
    ok = True
    for name, err, tol, good in results:
        ok &= good
        print(f"{'OK ' if good else 'BAD'} {name:28s} max |diff| {err:.3g} (tol {tol:g})")
    return ok


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--golden", default="/work/shared/golden/cv3-tiny")
    a = ap.parse_args()
    if a.check:
        raise SystemExit(0 if check(a.golden) else 1)
    ap.print_help()
