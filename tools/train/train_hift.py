#!/usr/bin/env python3
"""Trains the demo CausalHiFTGenerator (issue 8) on DIR/data/train.pt and exports DIR/model/hift.pt.

    PYTHONUNBUFFERED=1 python3 tools/train/train_hift.py --work /tmp/vs-train --minutes 20 [--resume]
        [--device cuda|cpu] [--max-steps N] [--batch 32] [--bf16]
    /usr/bin/python3 tools/train/train_hift.py --selftest      # CPU: 5 steps on synthetic data

Training (reconstruction losses; --gan adds discriminators late in the budget): random ~1 s crops of aligned (mel, wav, F0); the
harmonic source is built from the ground-truth F0 (teacher forcing), the generator is trained
with a multi-resolution STFT loss (spectral convergence + log magnitude) plus an L1 loss on the
Matcha log-mel of the output; the F0 predictor is trained jointly with L1 on F0 (Hz). Most crops
use the streaming (non-final) geometry of inference: mel carries 4 real look-ahead frames for
conv_pre (3 for the F0 predictor); a fraction use the final geometry (zero right padding).

Data (written by tools/train/data.py, w8data): torch.load(DIR/data/train.pt) gives utterances with
  mel [T, 80] float16 Matcha log-mel at 50 Hz, wav int16 at 24 kHz (480 samples per mel frame),
  f0 [T] Hz per mel frame (0 = unvoiced), speaker id.
Accepted layouts: a list of dicts, {"utterances": [...]}, or a dict of per-utterance lists.

Checkpoint every 60 s to DIR/ckpt/hift.pt (weights, optimizer, step, elapsed seconds, seed);
--resume continues from it. The exported DIR/model/hift.pt is the float32 state dict with the
official keys (parametrized weight norm), which tools/train/check_golden_hift.py's module and the
Java ModelFolder read.
"""
import argparse
import math
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cv3.hift import DEMO_HIFT, CausalHiFTGenerator, HiftGeometry, new_noise, official_state_dict, weight_norm  # noqa: E402

SEED = 1986
SAMPLE_RATE = 24000
HOP = 480                       # samples per mel frame
CROP_FRAMES = 50                # 1 s crops
LOOK_RIGHT = 4                  # conv_pre_look_right (the F0 predictor uses 3 of these frames)
FINAL_CROP_PROB = 0.2           # share of batches in the final (zero right padding) geometry
MEL_WEIGHT = 1.0                # L1 on ln-mel
STFT_WEIGHT = 1.0               # sum of spectral convergence + log magnitude, averaged over resolutions
F0_WEIGHT = 1.0 / 50.0          # L1 on F0 in Hz (separate parameters; the scale only sets Adam's view)
STFT_RESOLUTIONS = ((2048, 240, 1200), (1024, 120, 600), (512, 50, 240), (128, 32, 128))
STFT_LOG_FLOOR = 1e-4           # ~ the STFT magnitude of int16 quantisation noise: espeak-ng pauses are
                                # digital silence, and a lower floor would make log|S| of silence dominate
CKPT_EVERY_S = 60.0
PROCESS_START = time.time()     # --minutes counts from here: data loading and CUDA start-up are part of a run
RUN_RESERVE_S = 25.0            # export + held-out resynthesis after the training loop
LOG_EVERY_S = 20.0


# ---------------------------------------------------------------------------------------------
# Matcha log-mel (matcha.utils.audio.mel_spectrogram; identical to the data and the Java mel)

def _hz_to_mel(f):
    """Slaney mel scale (librosa htk=False)."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def slaney_mel_basis(sr=SAMPLE_RATE, n_fft=1920, n_mels=80, fmin=0.0, fmax=None):
    """librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) (Slaney scale and norm), float32 [n_mels, 1 + n_fft/2]."""
    fmax = sr / 2.0 if fmax is None else fmax
    fftfreqs = np.linspace(0, sr / 2.0, 1 + n_fft // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, len(fftfreqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights.astype(np.float32)


class MatchaMel(torch.nn.Module):
    """wav [B, N] in [-1, 1] -> ln-mel [B, 80, N // 480]: reflect pad 720, |STFT| (n_fft 1920, hop 480,
    periodic Hann, center=False), sqrt(re^2 + im^2 + 1e-9), Slaney mel, ln(clamp(1e-5)). float32."""

    def __init__(self, n_fft=1920, hop=HOP, n_mels=80, sr=SAMPLE_RATE):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("basis", torch.from_numpy(slaney_mel_basis(sr, n_fft, n_mels)), persistent=False)
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def forward(self, y):
        pad = (self.n_fft - self.hop) // 2
        y = F.pad(y.float().unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
        spec = torch.view_as_real(torch.stft(y, self.n_fft, hop_length=self.hop, win_length=self.n_fft,
                                             window=self.window, center=False, return_complex=True))
        spec = torch.sqrt(spec.pow(2).sum(-1) + 1e-9)                          # [B, 961, T]
        return torch.log(torch.clamp(torch.matmul(self.basis, spec), min=1e-5))


class MultiResolutionStftLoss(torch.nn.Module):
    """Mean over resolutions of spectral convergence + L1 log magnitude (Parallel WaveGAN style)."""

    def __init__(self, resolutions=STFT_RESOLUTIONS):
        super().__init__()
        self.resolutions = resolutions
        for i, (_, _, win) in enumerate(resolutions):
            self.register_buffer(f"window{i}", torch.hann_window(win), persistent=False)

    def _mag(self, x, i):
        n_fft, hop, win = self.resolutions[i]
        s = torch.stft(x, n_fft, hop, win, window=getattr(self, f"window{i}"), return_complex=True)
        return torch.clamp(s.abs(), min=STFT_LOG_FLOOR)                           # [B, F, T]

    def forward(self, fake, real):
        sc_total, mag_total = 0.0, 0.0
        for i in range(len(self.resolutions)):
            fm, rm = self._mag(fake, i), self._mag(real, i)
            sc_total = sc_total + torch.linalg.norm(rm - fm) / torch.linalg.norm(rm)
            mag_total = mag_total + F.l1_loss(torch.log(fm), torch.log(rm))
        n = len(self.resolutions)
        return sc_total / n, mag_total / n


# ---------------------------------------------------------------------------------------------
# optional GAN (--gan): HiFi-GAN multi-period + UnivNet-style multi-resolution discriminators, LSGAN

GAN_PERIODS = (2, 3, 5, 7, 11)
GAN_RESOLUTIONS = ((1024, 120, 600), (2048, 240, 1200), (512, 50, 240))
GAN_FM_WEIGHT = 2.0             # HiFi-GAN: adv 1, feature matching 2, mel 45; here relative to the
GAN_SCALE = 1.0 / 45.0          # unchanged reconstruction loss (so Adam sees the same scale when the GAN starts)


class PeriodDiscriminator(torch.nn.Module):
    """HiFi-GAN's period discriminator (narrower: 32-128-256-512 channels)."""

    def __init__(self, period, channels=(1, 32, 128, 256, 512)):
        super().__init__()
        self.period = period
        convs = [torch.nn.Conv2d(channels[i], channels[i + 1], (5, 1), (3, 1), padding=(2, 0)) for i in range(len(channels) - 1)]
        convs.append(torch.nn.Conv2d(channels[-1], channels[-1], (5, 1), 1, padding=(2, 0)))
        self.convs = torch.nn.ModuleList([weight_norm(c) for c in convs])
        self.post = weight_norm(torch.nn.Conv2d(channels[-1], 1, (3, 1), 1, padding=(1, 0)))

    def forward(self, x):                                      # [B, L]
        b, t = x.shape
        if t % self.period:
            x = F.pad(x, (0, self.period - t % self.period), mode="reflect")
        x = x.view(b, 1, -1, self.period)
        fmap = []
        for c in self.convs:
            x = F.leaky_relu(c(x), 0.1)
            fmap.append(x)
        x = self.post(x)
        fmap.append(x)
        return x.flatten(1), fmap


class ResolutionDiscriminator(torch.nn.Module):
    """Conv2d stack on one STFT magnitude (UnivNet's multi-resolution discriminator)."""

    def __init__(self, n_fft, hop, win, ch=32):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("window", torch.hann_window(win), persistent=False)
        self.win = win
        self.convs = torch.nn.ModuleList([weight_norm(c) for c in (
            torch.nn.Conv2d(1, ch, (3, 9), padding=(1, 4)),
            torch.nn.Conv2d(ch, ch, (3, 9), stride=(1, 2), padding=(1, 4)),
            torch.nn.Conv2d(ch, ch, (3, 9), stride=(1, 2), padding=(1, 4)),
            torch.nn.Conv2d(ch, ch, (3, 9), stride=(1, 2), padding=(1, 4)),
            torch.nn.Conv2d(ch, ch, (3, 3), padding=(1, 1)))])
        self.post = weight_norm(torch.nn.Conv2d(ch, 1, (3, 3), padding=(1, 1)))

    def forward(self, x):                                      # [B, L]
        with torch.autocast(device_type=x.device.type, enabled=False):
            mag = torch.stft(x.float(), self.n_fft, self.hop, self.win, window=self.window, return_complex=True).abs()
        x = mag.transpose(1, 2).unsqueeze(1)                   # [B, 1, T, F]
        fmap = []
        for c in self.convs:
            x = F.leaky_relu(c(x), 0.1)
            fmap.append(x)
        x = self.post(x)
        fmap.append(x)
        return x.flatten(1), fmap


class Discriminators(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.discs = torch.nn.ModuleList([PeriodDiscriminator(p) for p in GAN_PERIODS] +
                                         [ResolutionDiscriminator(*r) for r in GAN_RESOLUTIONS])

    def forward(self, x):
        return [d(x) for d in self.discs]


def discriminator_loss(real_out, fake_out):
    return sum(torch.mean((1 - r) ** 2) + torch.mean(f ** 2) for (r, _), (f, _) in zip(real_out, fake_out))


def generator_gan_loss(real_out, fake_out):
    adv = sum(torch.mean((1 - f) ** 2) for f, _ in fake_out)
    fm = sum(F.l1_loss(fg, fr.detach()) for (_, fmr), (_, fmg) in zip(real_out, fake_out) for fr, fg in zip(fmr, fmg))
    return adv, fm


# ---------------------------------------------------------------------------------------------
# data

_ALIASES = {"mel": ("mel", "mel24", "speech_feat"), "wav": ("wav", "wav24", "wav_24k", "audio"),
            "f0": ("f0", "pitch"), "speaker": ("speaker", "speaker_id", "spk", "spk_id")}


def _field(utt, name, where):
    for k in _ALIASES[name]:
        if k in utt:
            return utt[k]
    raise KeyError(f"{where}: utterance has no '{name}' field (tried {_ALIASES[name]}); keys: {sorted(utt.keys())}")


def load_utterances(path, min_frames):
    """-> list of (mel [T, 80] float16 tensor, wav [480 T] int16 tensor, f0 [T] float32 tensor)."""
    raw = _load(path)
    if isinstance(raw, dict) and "utterances" in raw:
        raw = raw["utterances"]
    if isinstance(raw, dict):                      # columnar (data.py): {field: [per utterance], other: ...}
        n = len(_field(raw, "mel", path))
        cols = {k: v for k, v in raw.items() if k in sum(_ALIASES.values(), ()) and isinstance(v, (list, tuple))}
        for k, v in cols.items():
            if len(v) != n:
                raise ValueError(f"{path}: column '{k}' has {len(v)} entries, 'mel' has {n}")
        raw = [{k: v[i] for k, v in cols.items()} for i in range(n)]
    if not isinstance(raw, (list, tuple)):
        raise TypeError(f"{path}: expected a list of utterance dicts, got {type(raw).__name__}")
    out, skipped = [], 0
    for i, utt in enumerate(raw):
        where = f"{path}[{i}]"
        mel = torch.as_tensor(_field(utt, "mel", where))
        wav = torch.as_tensor(_field(utt, "wav", where)).reshape(-1)
        f0 = torch.as_tensor(_field(utt, "f0", where)).reshape(-1).float()
        if mel.dim() != 2 or mel.shape[1] != 80:
            raise ValueError(f"{where}: mel must be [T, 80], got {tuple(mel.shape)}")
        if wav.dtype != torch.int16:
            raise ValueError(f"{where}: wav must be int16 at 24 kHz, got {wav.dtype}")
        frames = min(mel.shape[0], f0.shape[0], wav.shape[0] // HOP)
        if abs(mel.shape[0] - f0.shape[0]) > 2 or abs(mel.shape[0] - wav.shape[0] // HOP) > 2:
            raise ValueError(f"{where}: mel {mel.shape[0]} frames, f0 {f0.shape[0]}, wav {wav.shape[0]} samples "
                             f"(= {wav.shape[0] / HOP:.1f} frames of {HOP}) do not line up")
        if frames < min_frames:
            skipped += 1
            continue
        out.append((mel[:frames].half().contiguous(), wav[:frames * HOP].contiguous(), f0[:frames].contiguous()))
    if not out:
        raise ValueError(f"{path}: no utterance has the {min_frames} frames a crop needs ({skipped} too short)")
    print(f"data: {len(out)} utterances ({skipped} shorter than {min_frames} frames skipped), "
          f"{sum(u[0].shape[0] for u in out) / 50 / 3600:.2f} h", flush=True)
    return out


def make_batch(utts, rng, batch, crop, final):
    """Random aligned crops. Non-final: mel [B, 80, crop + 4] (4 look-ahead frames), final: mel
    [B, 80, crop] ending at the utterance end; wav [B, 480 crop] float in [-1, 1]; f0 [B, frames of mel]."""
    mels, wavs, f0s = [], [], []
    for _ in range(batch):
        mel, wav, f0 = utts[rng.integers(len(utts))]
        n = mel.shape[0]
        if final:
            a, e = n - crop, n
        else:
            a = int(rng.integers(0, n - crop - LOOK_RIGHT + 1))
            e = a + crop + LOOK_RIGHT
        mels.append(mel[a:e].float().t())
        wavs.append(wav[a * HOP:(a + crop) * HOP].float() / 32768.0)
        f0s.append(f0[a:e])
    return torch.stack(mels), torch.stack(wavs), torch.stack(f0s)


# ---------------------------------------------------------------------------------------------
# training

def lr_at(fraction, base_lr, min_lr, warmup_fraction=0.02):
    """Linear warm-up, then cosine decay over the wall-clock budget."""
    if fraction < warmup_fraction:
        return base_lr * max(fraction / warmup_fraction, 0.05)
    p = min((fraction - warmup_fraction) / (1 - warmup_fraction), 1.0)
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * p))


def _load(path):
    """torch.load of our own files (data, checkpoints): torch >= 2.6 defaults to weights_only=True,
    which refuses numpy arrays a data writer may have stored."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:                      # a torch without the weights_only argument
        return torch.load(path, map_location="cpu")


def save_atomic(obj, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    os.close(fd)
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(args, geo: HiftGeometry = DEMO_HIFT, utts=None):
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    if utts is None:
        utts = load_utterances(os.path.join(args.work, "data", "train.pt"), CROP_FRAMES + LOOK_RIGHT)
    ckpt_path = os.path.join(args.work, "ckpt", "hift.pt")
    model_path = os.path.join(args.work, "model", "hift.pt")

    model = CausalHiFTGenerator(geo).to(device)
    gen_params = [p for n, p in model.named_parameters() if not n.startswith("f0_predictor.")]
    f0_params = [p for n, p in model.named_parameters() if n.startswith("f0_predictor.")]
    opt = torch.optim.AdamW([{"params": gen_params}, {"params": f0_params}], lr=args.lr, betas=(0.8, 0.99),
                            weight_decay=0.0)
    mel_fn = MatchaMel().to(device)
    stft_loss = MultiResolutionStftLoss().to(device)
    disc = disc_opt = None
    if args.gan:
        disc = Discriminators().to(device)
        disc_opt = torch.optim.AdamW(disc.parameters(), lr=args.lr, betas=(0.8, 0.99), weight_decay=0.0)

    step, elapsed = 0, 0.0
    if args.resume and os.path.exists(ckpt_path):
        ck = _load(ckpt_path)
        model.load_state_dict(ck["model"], strict=True)
        opt.load_state_dict(ck["optimizer"])
        step, elapsed = int(ck["step"]), float(ck["elapsed"])
        if disc is not None and "disc" in ck:
            disc.load_state_dict(ck["disc"], strict=True)
            disc_opt.load_state_dict(ck["disc_optimizer"])
        print(f"resumed from {ckpt_path}: step {step}, {elapsed / 60:.1f} min trained", flush=True)
    elif args.resume:
        print(f"--resume: no checkpoint at {ckpt_path}, starting fresh", flush=True)

    # --minutes: this run's wall clock from process start (loading included), leaving RUN_RESERVE_S for the export;
    # --total-minutes: what the LR schedule (and the GAN start) spans across resumed runs (default: ends with this run)
    run_end = PROCESS_START + args.minutes * 60.0 - RUN_RESERVE_S
    budget = args.total_minutes * 60.0 if args.total_minutes else elapsed + max(1.0, run_end - time.time())
    amp = args.bf16

    def checkpoint():
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "elapsed": elapsed,
                 "seed": args.seed, "geometry": geo.__dict__}
        if disc is not None:
            state.update(disc=disc.state_dict(), disc_optimizer=disc_opt.state_dict())
        save_atomic(state, ckpt_path)

    start = time.time() - elapsed
    last_ckpt = last_log = time.time()
    sums, count = np.zeros(7), 0
    model.train()
    while True:
        elapsed = time.time() - start
        if elapsed >= budget or time.time() >= run_end or (args.max_steps is not None and step >= args.max_steps):
            break
        rng = np.random.default_rng([args.seed, step])          # deterministic per step, resumable
        final = bool(rng.random() < FINAL_CROP_PROB)
        mel, wav, f0 = make_batch(utts, rng, args.batch, CROP_FRAMES, final)
        mel, wav, f0 = mel.to(device, non_blocking=True), wav.to(device, non_blocking=True), f0.to(device)
        gen = torch.Generator(device=device).manual_seed(args.seed * 1000003 + step)
        noise, rand_ini = new_noise(f0.shape[1] * HOP, geo.nb_harmonics + 1, args.batch, gen, device)
        lr = lr_at(elapsed / budget, args.lr, args.lr * 0.1)
        for g in opt.param_groups:
            g["lr"] = lr
        gan_on = disc is not None and elapsed >= args.gan_start * budget

        # F0 predictor in float32 (the official inference runs it in float64; no bf16 here)
        f0_pred = model.f0_predictor(mel if final else mel[:, :, :CROP_FRAMES + 3], finalize=final)   # [B, crop]
        loss_f0 = F.l1_loss(f0_pred, f0[:, :CROP_FRAMES])
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            fake = model(mel, f0, noise, rand_ini, finalize=final)                          # [B, 480 crop] fp32
        loss_mel = F.l1_loss(mel_fn(fake), mel_fn(wav))
        sc, mag = stft_loss(fake, wav)
        loss = MEL_WEIGHT * loss_mel + STFT_WEIGHT * (sc + mag) + F0_WEIGHT * loss_f0
        loss_d = adv = fm = torch.zeros((), device=device)
        if gan_on:
            for g in disc_opt.param_groups:
                g["lr"] = lr
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
                loss_d = discriminator_loss(disc(wav), disc(fake.detach()))
            disc_opt.zero_grad(set_to_none=True)
            loss_d.backward()
            torch.nn.utils.clip_grad_norm_(disc.parameters(), 100.0)
            if torch.isfinite(loss_d):
                disc_opt.step()
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
                adv, fm = generator_gan_loss(disc(wav), disc(fake))
            loss = loss + GAN_SCALE * (adv + GAN_FM_WEIGHT * fm)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gen_params, 100.0)
        torch.nn.utils.clip_grad_norm_(f0_params, 100.0)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"step {step}: loss is {loss.item()} (mel {loss_mel.item()}, sc {sc.item()}, "
                                     f"mag {mag.item()}, f0 {loss_f0.item()})")
        opt.step()
        step += 1
        sums += np.array([loss_mel.item(), sc.item(), mag.item(), loss_f0.item(), loss_d.item(), adv.item(), fm.item()])
        count += 1

        now = time.time()
        if now - last_log >= LOG_EVERY_S or (args.max_steps is not None and step >= args.max_steps):
            m = sums / max(count, 1)
            print(f"step {step:6d}  {elapsed / 60:6.2f} min  mel-L1 {m[0]:.4f}  sc {m[1]:.4f}  logmag {m[2]:.4f}  "
                  f"f0-L1 {m[3]:.2f} Hz  " + (f"D {m[4]:.3f}  adv {m[5]:.3f}  fm {m[6]:.3f}  " if gan_on else "") +
                  f"lr {opt.param_groups[0]['lr']:.2e}  {count / (now - last_log):.1f} it/s",
                  flush=True)
            sums[:], count, last_log = 0, 0, now
        if now - last_ckpt >= CKPT_EVERY_S:
            elapsed = time.time() - start
            checkpoint()
            last_ckpt = now

    elapsed = time.time() - start
    checkpoint()
    os.makedirs(os.path.dirname(model_path), exist_ok=True)
    save_atomic(official_state_dict(model), model_path)
    print(f"done: {step} steps, {elapsed / 60:.1f} min; checkpoint {ckpt_path}; exported {model_path}", flush=True)
    heldout = os.path.join(args.work, "data", "heldout.pt")
    if os.path.exists(heldout):
        try:
            evaluate(model, heldout, os.path.join(args.work, "samples"), device)
        except Exception as e:          # the export above is done; a broken evaluation must not hide that
            print(f"held-out evaluation failed ({heldout}): {type(e).__name__}: {e}", flush=True)
    return model


@torch.no_grad()
def evaluate(model, path, out_dir, device, count=4):
    """Vocodes the first held-out utterances as the runtime does (F0 predicted in float64, one final
    call, fixed seeded noise): prints mel L1 and F0 error, writes out_dir/hift_<i>.wav (+ _ref)."""
    import wave
    utts = load_utterances(path, 8)[:count]
    mel_fn = MatchaMel().to(device)
    model.eval()
    os.makedirs(out_dir, exist_ok=True)
    for i, (mel, wav, f0) in enumerate(utts):
        m = mel.float().t().unsqueeze(0).to(device)                                   # [1, 80, T]
        noise, ini = new_noise(m.shape[2] * HOP, model.geo.nb_harmonics + 1, 1,
                               torch.Generator(device=device).manual_seed(i), device)
        trace = model.inference(m, noise, ini, finalize=True, trace=True)
        y = trace["wave"]                                                              # [1, 480 T]
        ref = wav.float().unsqueeze(0).to(device) / 32768.0
        mel_l1 = F.l1_loss(mel_fn(y), mel_fn(ref)).item()
        f0_err = (trace["f0"].float()[0].cpu() - f0).abs().mean().item()
        for name, x in ((f"hift_{i}.wav", y), (f"hift_{i}_ref.wav", ref)):
            with wave.open(os.path.join(out_dir, name), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(SAMPLE_RATE)
                w.writeframes((x[0].clamp(-1, 32767 / 32768) * 32768).round().short().cpu().numpy().tobytes())
        print(f"held-out {i}: {mel.shape[0]} frames, resynthesis mel-L1 {mel_l1:.4f}, F0 error {f0_err:.1f} Hz "
              f"(predicted F0), {out_dir}/hift_{i}.wav", flush=True)
    model.train()


# ---------------------------------------------------------------------------------------------
# CPU self-test

def _synthetic_utterances(n=4, seconds=2.0, seed=0):
    """Harmonic tones with gliding F0 and unvoiced noise gaps, their Matcha mel and per-frame F0."""
    rng = np.random.default_rng(seed)
    mel_fn = MatchaMel()
    out = []
    frames = int(seconds * 50)
    for _ in range(n):
        f0 = np.linspace(rng.uniform(90, 200), rng.uniform(90, 250), frames)
        f0[rng.integers(0, frames - 10):][:10] = 0.0                 # an unvoiced stretch
        f0_s = np.repeat(f0, HOP)
        phase = 2 * np.pi * np.cumsum(f0_s / SAMPLE_RATE)
        y = sum(0.3 / k * np.sin(k * phase) for k in range(1, 6)) * (f0_s > 0)
        y = y + 0.01 * rng.standard_normal(len(y))
        wav = torch.from_numpy(np.clip(y * 32768, -32768, 32767).astype(np.int16))
        mel = mel_fn(wav.float().unsqueeze(0) / 32768.0)[0].t()       # [T, 80]
        out.append({"mel": mel.half(), "wav": wav, "f0": torch.from_numpy(f0.astype(np.float32)), "speaker": 0})
    return out


def selftest(gan=False):
    torch.set_num_threads(1)              # the shared 2-core CI machine
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(os.path.join(work, "data"))
        torch.save(_synthetic_utterances(), os.path.join(work, "data", "train.pt"))
        torch.save(_synthetic_utterances(n=1, seed=3), os.path.join(work, "data", "heldout.pt"))
        args = argparse.Namespace(work=work, minutes=30.0, total_minutes=None, resume=False, device="cpu", max_steps=4, batch=2,
                                  lr=5e-4, bf16=False, seed=SEED, gan=gan, gan_start=0.0)
        t0 = time.time()
        train(args)
        args.resume, args.max_steps = True, 5                          # resume from the step-4 checkpoint
        model = train(args)
        ck = torch.load(os.path.join(work, "ckpt", "hift.pt"), map_location="cpu")
        assert ck["step"] == 5, ck["step"]
        assert os.path.exists(os.path.join(work, "samples", "hift_0.wav"))
        sd = torch.load(os.path.join(work, "model", "hift.pt"), map_location="cpu")
        assert all(v.dtype == torch.float32 for v in sd.values())
        assert any(k.endswith(".parametrizations.weight.original0") for k in sd)
        fresh = CausalHiFTGenerator(DEMO_HIFT)
        fresh.load_state_dict(sd, strict=True)
        for k, v in model.state_dict().items():
            assert torch.equal(v.cpu(), sd[k]), k
        mel = _synthetic_utterances(1, 1.0, seed=7)[0]["mel"].float().t().unsqueeze(0)   # [1, 80, 50]
        noise, ini = new_noise(50 * HOP, DEMO_HIFT.nb_harmonics + 1, 1, torch.Generator().manual_seed(0))
        wave, s = fresh.inference(mel, noise, ini, finalize=True)
        assert wave.shape == (1, 50 * HOP) and s.shape == (1, 1, 50 * HOP), (wave.shape, s.shape)
        wave_nf, _ = fresh.inference(mel, noise, ini, finalize=False)
        assert wave_nf.shape == (1, 42 * HOP), wave_nf.shape
        # causality: a non-final call on a prefix reproduces the start of the final call (float32 phase aside)
        diff = (wave_nf - wave[:, :42 * HOP]).abs().max().item()
        assert diff < 1e-3, f"non-final call differs from the final one by {diff}"
        n_params = sum(v.numel() for v in sd.values())
        print(f"selftest OK: 5 steps (4 + resume 1) in {time.time() - t0:.1f} s, exported {len(sd)} tensors "
              f"({n_params / 1e6:.2f} M params, {n_params * 4 / 2**20:.1f} MiB fp32), strict reload OK, "
              f"non-final vs final max diff {diff:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", help="work dir with data/train.pt; writes ckpt/hift.pt and model/hift.pt")
    ap.add_argument("--minutes", type=float, default=20.0,
                    help="wall-clock budget of THIS run, from process start (loading included) to the export")
    ap.add_argument("--total-minutes", type=float, default=None,
                    help="training time the LR schedule spans across resumed runs (default: it ends with this run); "
                         "training also stops once the checkpoint has this much")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast for the decoder convs (STFTs stay fp32)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--gan", action="store_true", help="add multi-period + multi-resolution discriminators (LSGAN, "
                    "feature matching) once --gan-start of the budget is spent; default: reconstruction losses only")
    ap.add_argument("--gan-start", type=float, default=0.4, help="fraction of the budget trained without the GAN")
    ap.add_argument("--selftest", action="store_true", help="CPU smoke test on synthetic data")
    args = ap.parse_args()
    if args.selftest:
        selftest(args.gan)
        return
    if not args.work:
        ap.error("--work is required")
    train(args)


if __name__ == "__main__":
    main()
