"""CosyVoice3 ``CausalHiFTGenerator`` (+ ``CausalConvRNNF0Predictor``) in PyTorch, for training.

Functionally the official module (cosyvoice/hifigan/generator.py, f0_predictor.py,
cosyvoice/transformer/convolution.py; reference §5 and §10): the same submodule names, so
``state_dict()`` has exactly the official ``hift.pt`` keys (weight norm stored as
``<conv>.parametrizations.weight.original0`` = g and ``original1`` = v), and the same
``inference(mel, finalize)`` numerics (checked by tools/train/check_golden_hift.py on cv3-tiny).

The official SineGen2 draws its fixed noise (``sine_waves``, uniform [0, 1)) and ``rand_ini`` at
construction; here they are inputs of every call (``noise``, ``rand_ini``), so training can draw
fresh ones and the golden check can pass the exported tensors.

Runs on torch 1.13 (no ``torch.nn.utils.parametrizations.weight_norm`` there) and torch 2.x.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrize


@dataclass(frozen=True)
class HiftGeometry:
    """Hyperparameters of cosyvoice3.yaml ``hift`` (names as there)."""
    base_channels: int
    cond_channels: int                     # f0_predictor.cond_channels
    in_channels: int = 80
    nb_harmonics: int = 8
    sampling_rate: int = 24000
    nsf_alpha: float = 0.1
    nsf_sigma: float = 0.003
    nsf_voiced_threshold: float = 10.0
    upsample_rates: Tuple[int, ...] = (8, 5, 3)
    upsample_kernel_sizes: Tuple[int, ...] = (16, 11, 7)
    istft_n_fft: int = 16
    istft_hop_len: int = 4
    resblock_kernel_sizes: Tuple[int, ...] = (3, 7, 11)
    resblock_dilation_sizes: Tuple[Tuple[int, ...], ...] = ((1, 3, 5), (1, 3, 5), (1, 3, 5))
    source_resblock_kernel_sizes: Tuple[int, ...] = (7, 7, 11)
    source_resblock_dilation_sizes: Tuple[Tuple[int, ...], ...] = ((1, 3, 5), (1, 3, 5), (1, 3, 5))
    lrelu_slope: float = 0.1
    audio_limit: float = 0.99
    conv_pre_look_right: int = 4

    @property
    def upsample_factor(self) -> int:
        """prod(upsample_rates) = 120 decoder (STFT) frames per mel frame."""
        return int(np.prod(self.upsample_rates))

    @property
    def samples_per_frame(self) -> int:
        """prod(upsample_rates) * hop_len = 480 samples per mel frame."""
        return self.upsample_factor * self.istft_hop_len


DEMO_HIFT = HiftGeometry(base_channels=128, cond_channels=128)     # issue-8 contract
CV3_TINY_HIFT = HiftGeometry(base_channels=32, cond_channels=32)   # /work/shared/golden/cv3-tiny
OFFICIAL_HIFT = HiftGeometry(base_channels=512, cond_channels=512)  # Fun-CosyVoice3-0.5B


# ---------------------------------------------------------------------------------------------
# weight norm as a parametrization (torch.nn.utils.parametrizations.weight_norm, dim=0)

class _WeightNorm(nn.Module):
    """weight = g * v / ||v||, the norm over every dim but 0; right_inverse gives (g, v)."""

    def forward(self, weight_g, weight_v):
        return torch._weight_norm(weight_v, weight_g, 0)

    def right_inverse(self, weight):
        g = torch.norm_except_dim(weight, 2, 0)
        return g, weight


def weight_norm(module: nn.Module) -> nn.Module:
    """Registers ``module.parametrizations.weight.original0`` (g [out,1,1]) / ``original1`` (v)."""
    parametrize.register_parametrization(module, "weight", _WeightNorm(), unsafe=True)
    return module


def init_weights(m: nn.Module, std: float = 0.01):
    """HiFi-GAN's init_weights: N(0, 0.01) conv kernels (applied before weight norm)."""
    if isinstance(m, nn.Conv1d):
        m.weight.data.normal_(0.0, std)


# ---------------------------------------------------------------------------------------------
# causal convolutions (cosyvoice/transformer/convolution.py)

class CausalConv1d(nn.Conv1d):
    """Stride-1 Conv1d with ``causal_padding = floor((k-1)d/2)*2 + (k+1)%2`` zeros on the left
    ('left') or on the right ('right', a look-ahead conv). ``cache`` replaces the zeros."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, dilation=1, causal_type="left"):
        super().__init__(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=dilation)
        assert stride == 1 and causal_type in ("left", "right")
        self.causal_padding = int((kernel_size * dilation - dilation) / 2) * 2 + (kernel_size + 1) % 2
        self.causal_type = causal_type

    def forward(self, x, cache: Optional[torch.Tensor] = None):
        if self.causal_type == "left":
            x = F.pad(x, (self.causal_padding, 0)) if cache is None else torch.cat([cache, x], dim=2)
        else:
            x = F.pad(x, (0, self.causal_padding)) if cache is None else torch.cat([x, cache], dim=2)
        return super().forward(x)


class CausalConv1dUpsample(nn.Conv1d):
    """Nearest up-sampling by ``stride``, then a Conv1d with k - 1 zeros on the left."""

    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super().__init__(in_channels, out_channels, kernel_size, stride=1, padding=0)
        self.rate = stride
        self.causal_padding = kernel_size - 1

    def forward(self, x):
        x = F.interpolate(x, scale_factor=float(self.rate), mode="nearest")   # [B, C, T * rate]
        return super().forward(F.pad(x, (self.causal_padding, 0)))


class CausalConv1dDownSample(nn.Conv1d):
    """stride - 1 zeros on the left, then Conv1d(kernel, stride)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0)
        self.causal_padding = stride - 1

    def forward(self, x):
        return super().forward(F.pad(x, (self.causal_padding, 0)))


class Snake(nn.Module):
    """x + 1/(alpha + 1e-9) * sin^2(alpha x), alpha per channel (linear scale, init 1)."""

    def __init__(self, channels: int, alpha: float = 1.0):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(channels) * alpha)
        self.no_div_by_zero = 1e-9

    def forward(self, x):                                  # [B, C, T]
        alpha = self.alpha.unsqueeze(0).unsqueeze(-1)       # [1, C, 1]
        return x + (1.0 / (alpha + self.no_div_by_zero)) * torch.pow(torch.sin(x * alpha), 2)


class ResBlock(nn.Module):
    """Causal HiFT ResBlock: per dilation d, x += conv2(snake2(conv1_d(snake1(x))))."""

    def __init__(self, channels: int, kernel_size: int, dilations: Sequence[int]):
        super().__init__()
        self.convs1 = nn.ModuleList()
        self.convs2 = nn.ModuleList()
        for d in dilations:
            c1 = CausalConv1d(channels, channels, kernel_size, 1, dilation=d, causal_type="left")
            c2 = CausalConv1d(channels, channels, kernel_size, 1, dilation=1, causal_type="left")
            init_weights(c1)
            init_weights(c2)
            self.convs1.append(weight_norm(c1))
            self.convs2.append(weight_norm(c2))
        self.activations1 = nn.ModuleList([Snake(channels) for _ in dilations])
        self.activations2 = nn.ModuleList([Snake(channels) for _ in dilations])

    def forward(self, x):                                  # [B, C, T] -> [B, C, T]
        for c1, c2, a1, a2 in zip(self.convs1, self.convs2, self.activations1, self.activations2):
            xt = c2(a2(c1(a1(x))))
            x = xt + x
        return x


# ---------------------------------------------------------------------------------------------
# F0 predictor

class CausalConvRNNF0Predictor(nn.Module):
    """condnet: conv k4 (3 frames look-ahead) + 4 left-causal convs k3, each then ELU;
    classifier Linear(cond, 1); abs. Keys condnet.{0,2,4,6,8} (odd indices are the ELUs)."""

    def __init__(self, num_class: int = 1, in_channels: int = 80, cond_channels: int = 512):
        super().__init__()
        self.condnet = nn.Sequential(
            weight_norm(CausalConv1d(in_channels, cond_channels, kernel_size=4, causal_type="right")), nn.ELU(),
            weight_norm(CausalConv1d(cond_channels, cond_channels, kernel_size=3, causal_type="left")), nn.ELU(),
            weight_norm(CausalConv1d(cond_channels, cond_channels, kernel_size=3, causal_type="left")), nn.ELU(),
            weight_norm(CausalConv1d(cond_channels, cond_channels, kernel_size=3, causal_type="left")), nn.ELU(),
            weight_norm(CausalConv1d(cond_channels, cond_channels, kernel_size=3, causal_type="left")), nn.ELU(),
        )
        self.classifier = nn.Linear(cond_channels, num_class)

    @property
    def look_right(self) -> int:
        return self.condnet[0].causal_padding             # 3

    def forward(self, x, finalize: bool = True):
        """mel [B, 80, T] -> F0 [B, T] Hz (finalize) or [B, T - 3] (last 3 frames are look-ahead)."""
        p = self.look_right
        x = self.condnet[0](x) if finalize else self.condnet[0](x[:, :, :-p], x[:, :, -p:])
        for i in range(1, len(self.condnet)):
            x = self.condnet[i](x)                           # [B, C, T']
        x = x.transpose(1, 2)                                # [B, T', C]
        return torch.abs(self.classifier(x).squeeze(-1))     # [B, T']


# ---------------------------------------------------------------------------------------------
# harmonic source (SineGen2 + SourceModuleHnNSF of the causal generator)

class SineGen2(nn.Module):
    """Per-sample F0 -> 9 harmonics. Causal variant: phase up-sampled 'nearest', the additive
    noise is a given uniform [0, 1) tensor (official: the fixed ``sine_waves`` attribute)."""

    def __init__(self, samp_rate, upsample_scale, harmonic_num=0, sine_amp=0.1, noise_std=0.003,
                 voiced_threshold=0.0):
        super().__init__()
        self.sine_amp = sine_amp
        self.noise_std = noise_std
        self.harmonic_num = harmonic_num
        self.dim = harmonic_num + 1
        self.sampling_rate = samp_rate
        self.voiced_threshold = voiced_threshold
        self.upsample_scale = upsample_scale

    def _f02uv(self, f0):
        return (f0 > self.voiced_threshold).type(torch.float32)

    def _f02sine(self, f0_values, rand_ini):
        """f0_values [B, L, 9] Hz -> sin(phase) [B, L, 9]; rand_ini [1 or B, 9] turns."""
        rad_values = (f0_values / self.sampling_rate) % 1
        rad_values = torch.cat([rad_values[:, :1, :] + rand_ini.unsqueeze(1).to(rad_values), rad_values[:, 1:, :]], dim=1)
        rad_values = F.interpolate(rad_values.transpose(1, 2), scale_factor=1 / self.upsample_scale,
                                   mode="linear").transpose(1, 2)                 # [B, L / 480, 9]
        phase = torch.cumsum(rad_values, dim=1) * 2 * np.pi
        phase = F.interpolate(phase.transpose(1, 2) * self.upsample_scale, scale_factor=self.upsample_scale,
                              mode="nearest").transpose(1, 2)                     # [B, L, 9]
        return torch.sin(phase)

    def forward(self, f0, noise, rand_ini):
        """f0 [B, L, 1] Hz; noise [1 or B, >= L, 9] uniform [0, 1) -> sine_waves [B, L, 9], uv [B, L, 1]."""
        harmonics = torch.arange(1, self.harmonic_num + 2, device=f0.device, dtype=f0.dtype).view(1, 1, -1)
        fn = f0 * harmonics                                                         # [B, L, 9]
        sine_waves = self._f02sine(fn, rand_ini) * self.sine_amp
        uv = self._f02uv(f0)                                                        # [B, L, 1]
        noise_amp = uv * self.noise_std + (1 - uv) * self.sine_amp / 3
        noise = noise_amp * noise[:, :sine_waves.shape[1]].to(sine_waves)
        sine_waves = sine_waves * uv + noise
        return sine_waves, uv, noise


class SourceModuleHnNSF(nn.Module):
    """tanh(l_linear(sine_waves)): 9 harmonics merged into one excitation [B, L, 1]."""

    def __init__(self, sampling_rate, upsample_scale, harmonic_num=0, sine_amp=0.1, add_noise_std=0.003,
                 voiced_threshod=0.0):
        super().__init__()
        self.l_sin_gen = SineGen2(sampling_rate, upsample_scale, harmonic_num, sine_amp, add_noise_std, voiced_threshod)
        self.l_linear = nn.Linear(harmonic_num + 1, 1)
        self.l_tanh = nn.Tanh()

    def forward(self, x, noise, rand_ini, return_sine_waves: bool = False):
        sine_wavs, uv, _ = self.l_sin_gen(x, noise, rand_ini)
        sine_merge = self.l_tanh(self.l_linear(sine_wavs.to(self.l_linear.weight.dtype)))
        # the official noise branch (uv-noise * sine_amp / 3) is returned but never used: omitted
        return (sine_merge, sine_wavs) if return_sine_waves else sine_merge


# ---------------------------------------------------------------------------------------------
# generator

class CausalHiFTGenerator(nn.Module):
    """mel [B, 80, T] -> 24 kHz waveform [B, 480 T]: F0 predictor -> harmonic source -> source STFT;
    conv_pre -> 3 x (leaky_relu, ups, + source_resblocks(source_downs(stft)), mean of 3 resblocks)
    -> leaky_relu -> conv_post -> exp magnitude / sin phase -> iSTFT -> clamp 0.99."""

    def __init__(self, geo: HiftGeometry):
        super().__init__()
        self.geo = geo
        self.out_channels = 1
        self.nb_harmonics = geo.nb_harmonics
        self.sampling_rate = geo.sampling_rate
        self.istft_params = {"n_fft": geo.istft_n_fft, "hop_len": geo.istft_hop_len}
        self.lrelu_slope = geo.lrelu_slope
        self.audio_limit = geo.audio_limit
        self.upsample_rates = list(geo.upsample_rates)
        self.conv_pre_look_right = geo.conv_pre_look_right
        self.num_kernels = len(geo.resblock_kernel_sizes)
        self.num_upsamples = len(geo.upsample_rates)
        base = geo.base_channels
        n_src = geo.istft_n_fft + 2                                                # 18

        self.m_source = SourceModuleHnNSF(geo.sampling_rate, geo.samples_per_frame, geo.nb_harmonics,
                                          geo.nsf_alpha, geo.nsf_sigma, geo.nsf_voiced_threshold)
        self.conv_pre = weight_norm(CausalConv1d(geo.in_channels, base, geo.conv_pre_look_right + 1, 1, causal_type="right"))

        self.ups = nn.ModuleList()
        for i, (u, k) in enumerate(zip(geo.upsample_rates, geo.upsample_kernel_sizes)):
            up = CausalConv1dUpsample(base // (2 ** i), base // (2 ** (i + 1)), k, u)
            init_weights(up)
            self.ups.append(weight_norm(up))

        self.source_downs = nn.ModuleList()
        self.source_resblocks = nn.ModuleList()
        downsample_rates = [1] + list(geo.upsample_rates[::-1][:-1])
        downsample_cum_rates = np.cumprod(downsample_rates)                          # [1, 3, 15]
        for i, (u, k, d) in enumerate(zip(downsample_cum_rates[::-1], geo.source_resblock_kernel_sizes,
                                          geo.source_resblock_dilation_sizes)):
            ch = base // (2 ** (i + 1))
            if u == 1:
                self.source_downs.append(CausalConv1d(n_src, ch, 1, 1, causal_type="left"))
            else:
                self.source_downs.append(CausalConv1dDownSample(n_src, ch, int(u) * 2, int(u)))
            self.source_resblocks.append(ResBlock(ch, k, d))

        self.resblocks = nn.ModuleList()
        for i in range(len(self.ups)):
            ch = base // (2 ** (i + 1))
            for k, d in zip(geo.resblock_kernel_sizes, geo.resblock_dilation_sizes):
                self.resblocks.append(ResBlock(ch, k, d))

        post = CausalConv1d(ch, n_src, 7, 1, causal_type="left")
        init_weights(post)
        self.conv_post = weight_norm(post)
        self.reflection_pad = nn.ReflectionPad1d((1, 0))
        # scipy.signal.get_window("hann", n_fft, fftbins=True): periodic Hann; not in the state dict
        n = np.arange(geo.istft_n_fft)
        window = (0.5 - 0.5 * np.cos(2 * np.pi * n / geo.istft_n_fft)).astype(np.float32)   # float64, then rounded
        self.register_buffer("stft_window", torch.from_numpy(window), persistent=False)
        self.f0_predictor = CausalConvRNNF0Predictor(1, geo.in_channels, geo.cond_channels)

    # -- pieces -----------------------------------------------------------------------------

    def source(self, f0, noise, rand_ini, return_sine_waves=False):
        """F0 per mel frame [B, T] Hz (float32) -> source s [B, 1, 480 T] (+ sine_waves [B, L, 9])."""
        s = F.interpolate(f0[:, None], scale_factor=float(self.geo.samples_per_frame), mode="nearest").transpose(1, 2)
        out = self.m_source(s, noise, rand_ini, return_sine_waves)                  # [B, L, 1]
        if return_sine_waves:
            return out[0].transpose(1, 2), out[1]
        return out.transpose(1, 2)

    def _stft(self, x):
        """[B, L] -> real, imag [B, 9, L / 4 + 1] (center=True, reflect)."""
        spec = torch.stft(x, self.istft_params["n_fft"], self.istft_params["hop_len"], self.istft_params["n_fft"],
                          window=self.stft_window.to(x.device), return_complex=True)
        spec = torch.view_as_real(spec)                                               # [B, F, TT, 2]
        return spec[..., 0], spec[..., 1]

    def _istft(self, magnitude, phase):
        magnitude = torch.clip(magnitude, max=1e2)
        real = magnitude * torch.cos(phase)
        img = magnitude * torch.sin(phase)
        return torch.istft(torch.complex(real, img), self.istft_params["n_fft"], self.istft_params["hop_len"],
                           self.istft_params["n_fft"], window=self.stft_window.to(magnitude.device))

    def decode_conv_post(self, x, s, finalize: bool = True):
        """mel x [B, 80, T] and source s [B, 1, L] -> conv_post output [B, 18, 120 T' + 1] (fp32),
        source stft [B, 18, ...]. Non-final: x's last 4 frames are conv_pre look-ahead."""
        with _no_autocast(s.device):
            s_stft_real, s_stft_imag = self._stft(s.squeeze(1).float())
        if finalize:
            x = self.conv_pre(x)
        else:
            r = self.conv_pre_look_right
            x = self.conv_pre(x[:, :, :-r], x[:, :, -r:])
            trim = int(np.prod(self.upsample_rates) * r)
            s_stft_real = s_stft_real[:, :, :-trim]
            s_stft_imag = s_stft_imag[:, :, :-trim]
        s_stft = torch.cat([s_stft_real, s_stft_imag], dim=1)                        # [B, 18, 120 T' + 1]

        for i in range(self.num_upsamples):
            x = F.leaky_relu(x, self.lrelu_slope)
            x = self.ups[i](x)
            if i == self.num_upsamples - 1:
                x = self.reflection_pad(x)
            si = self.source_downs[i](s_stft)
            si = self.source_resblocks[i](si)
            x = x + si
            xs = None
            for j in range(self.num_kernels):
                y = self.resblocks[i * self.num_kernels + j](x)
                xs = y if xs is None else xs + y
            x = xs / self.num_kernels
        x = F.leaky_relu(x)
        x = self.conv_post(x)
        return x.float(), s_stft

    def head(self, conv_post, finalize: bool = True):
        """conv_post [B, 18, F] -> waveform [B, 4 (F - 1)] (non-final: minus 480 samples), clamped."""
        with _no_autocast(conv_post.device):
            conv_post = conv_post.float()
            n = self.istft_params["n_fft"] // 2 + 1
            magnitude = torch.exp(conv_post[:, :n, :])
            phase = torch.sin(conv_post[:, n:, :])   # "sin is redundancy" (official)
            x = self._istft(magnitude, phase)
        if not finalize:
            x = x[:, :-int(np.prod(self.upsample_rates) * self.istft_params["hop_len"])]
        return torch.clamp(x, -self.audio_limit, self.audio_limit)

    def decode(self, x, s, finalize: bool = True):
        return self.head(self.decode_conv_post(x, s, finalize)[0], finalize)

    # -- training ---------------------------------------------------------------------------

    def forward(self, mel, f0, noise, rand_ini, finalize: bool = False):
        """Teacher-forced training call on T output frames.

        Non-final (the streaming geometry): mel [B, 80, T + 4] and ground-truth f0 [B, T + 4] Hz, the
        last 4 frames being conv_pre look-ahead (their source is cut off the STFT as in inference).
        Final: mel and f0 [B, T] (zero right padding). noise [1 or B, >= 480 f0-frames, 9] uniform
        [0, 1), rand_ini [1 or B, 9]. Returns the waveform [B, 480 T] (float32, no holdback trim)."""
        if f0.shape[1] != mel.shape[2]:
            raise ValueError(f"f0 has {f0.shape[1]} frames, mel {mel.shape[2]}: they must cover the same frames")
        s = self.source(f0.float(), noise, rand_ini)                                  # [B, 1, 480 f0-frames]
        conv_post, _ = self.decode_conv_post(mel, s, finalize)                        # [B, 18, 120 T + 1]
        return self.head(conv_post, finalize=True)                                     # [B, 480 T]

    # -- inference (official CausalHiFTGenerator.inference) ----------------------------------

    @torch.no_grad()
    def inference(self, speech_feat, noise, rand_ini, finalize: bool = True, trace: bool = False):
        """mel [1, 80, T] -> waveform [1, 480 T] (final) or [1, 480 (T - 8)], source [1, 1, 480 T'].
        F0 in float64 as the official code (the module's F0 predictor is cast back afterwards)."""
        dtype = self.f0_predictor.classifier.weight.dtype
        self.f0_predictor.to(torch.float64)
        try:
            f0_64 = self.f0_predictor(speech_feat.to(torch.float64), finalize=finalize)
        finally:
            self.f0_predictor.to(dtype)
        f0 = f0_64.to(speech_feat)
        s, sine_waves = self.source(f0, noise, rand_ini, return_sine_waves=True)
        x = speech_feat if finalize else speech_feat[:, :, :-self.f0_predictor.look_right]
        conv_post, s_stft = self.decode_conv_post(x, s, finalize)
        wave = self.head(conv_post, finalize)
        if trace:
            return {"f0": f0_64, "source": s, "sine_waves": sine_waves, "stft": s_stft, "conv_post": conv_post,
                    "wave": wave}
        return wave, s


class _no_autocast:
    """Disables autocast (STFT/iSTFT stay float32) on torch 1.13 and 2.x."""

    def __init__(self, device):
        self.device_type = device.type if isinstance(device, torch.device) else str(device)

    def __enter__(self):
        if self.device_type == "cuda":
            self.ctx = torch.autocast(device_type="cuda", enabled=False)
        else:
            self.ctx = torch.autocast(device_type="cpu", enabled=False)
        self.ctx.__enter__()

    def __exit__(self, *exc):
        return self.ctx.__exit__(*exc)


def new_noise(length: int, harmonics: int, batch: int = 1, generator=None, device=None):
    """Fresh SineGen2 noise (uniform [0, 1), [batch, length, harmonics]) and rand_ini ([batch, H], [:, 0] = 0)."""
    noise = torch.rand(batch, length, harmonics, generator=generator, device=device)
    rand_ini = torch.rand(batch, harmonics, generator=generator, device=device)
    rand_ini[:, 0] = 0
    return noise, rand_ini


def official_state_dict(model: CausalHiFTGenerator):
    """float32 state dict with exactly the official keys (parametrized weight norm)."""
    return {k: v.detach().float().cpu().contiguous() for k, v in model.state_dict().items()}
