"""CosyVoice3 flow: CausalMaskedDiffWithDiT (cosyvoice/flow/flow.py) with the DiT estimator
(cosyvoice/flow/DiT/dit.py + modules.py) and CausalConditionalCFM (flow_matching.py), reference §4.1/§4.3.

Module and parameter names follow the official modules so that state_dict() keys equal flow.pt's.
"""
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import sdpa
from .geometry import FlowGeometry


# ---------------------------------------------------------------- DiT pieces (modules.py)

class SinusPositionEmbedding(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x, scale=1000):
        """x [B] -> [B, dim]: sin half then cos half of scale * x * freqs."""
        half = self.dim // 2
        emb = math.log(10000) / (half - 1)
        emb = torch.exp(torch.arange(half, device=x.device).float() * -emb)
        emb = scale * x.unsqueeze(1) * emb.unsqueeze(0)
        return torch.cat((emb.sin(), emb.cos()), dim=-1)


class TimestepEmbedding(nn.Module):
    def __init__(self, dim, freq_embed_dim=256):
        super().__init__()
        self.time_embed = SinusPositionEmbedding(freq_embed_dim)
        self.time_mlp = nn.Sequential(nn.Linear(freq_embed_dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t):
        return self.time_mlp(self.time_embed(t).to(t.dtype))   # [B, dim]


class CausalConvPositionEmbedding(nn.Module):
    """Two grouped convs (k 31, 16 groups), each with k-1 zeros of left padding and Mish."""

    def __init__(self, dim, kernel_size=31, groups=16):
        super().__init__()
        self.kernel_size = kernel_size
        self.conv1 = nn.Sequential(nn.Conv1d(dim, dim, kernel_size, groups=groups, padding=0), nn.Mish())
        self.conv2 = nn.Sequential(nn.Conv1d(dim, dim, kernel_size, groups=groups, padding=0), nn.Mish())

    def forward(self, x):
        x = x.transpose(1, 2)                                      # [B, dim, T]
        x = self.conv1(F.pad(x, (self.kernel_size - 1, 0)))
        x = self.conv2(F.pad(x, (self.kernel_size - 1, 0)))
        return x.transpose(1, 2)                                   # [B, T, dim]


class InputEmbedding(nn.Module):
    def __init__(self, mel_dim, mu_dim, spk_dim, out_dim, g: FlowGeometry):
        super().__init__()
        self.proj = nn.Linear(mel_dim * 2 + mu_dim + spk_dim, out_dim)
        self.conv_pos_embed = CausalConvPositionEmbedding(out_dim, g.conv_pos_kernel, g.conv_pos_groups)

    def forward(self, x, cond, mu, spks):
        """x, cond, mu [B, T, 80], spks [B, 80] -> [B, T, dim]."""
        spks = spks.unsqueeze(1).expand(-1, x.shape[1], -1)
        x = self.proj(torch.cat((x, cond, mu, spks), dim=-1))
        return self.conv_pos_embed(x) + x


class RotaryEmbedding(nn.Module):
    """x_transformers 2.11.24 RotaryEmbedding(dim_head): interleaved pairs, inv_freq persistent buffer."""

    def __init__(self, dim, base=10000):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq)

    def forward_from_seq_len(self, seq_len):
        t = torch.arange(seq_len, device=self.inv_freq.device).type_as(self.inv_freq)
        freqs = t[:, None] * self.inv_freq[None, :]               # [T, d/2]
        return freqs.repeat_interleave(2, dim=-1)                  # [T, d]  '(d r)' layout


def rotate_pairs(x):
    """(x1, x2) pairs -> (-x2, x1)."""
    x = x.unflatten(-1, (-1, 2))
    x1, x2 = x.unbind(-1)
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def apply_rotary_pos_emb(t, freqs):
    """Rotates the first freqs.shape[-1] channels of t [B, T, inner] (before the head split: head 0 only)."""
    rot = freqs.shape[-1]
    t_rot, t_pass = t[..., :rot], t[..., rot:]
    # angles reach hundreds of radians: cos/sin and the rotation stay float32 under autocast (as x-transformers)
    freqs = freqs.float()
    t_rot = (t_rot.float() * freqs.cos() + rotate_pairs(t_rot.float()) * freqs.sin()).to(t.dtype)
    return torch.cat((t_rot, t_pass), dim=-1)


class Attention(nn.Module):
    def __init__(self, dim, heads, dim_head):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        inner = heads * dim_head
        self.to_q = nn.Linear(dim, inner)
        self.to_k = nn.Linear(dim, inner)
        self.to_v = nn.Linear(dim, inner)
        self.to_out = nn.ModuleList([nn.Linear(inner, dim), nn.Dropout(0.0)])

    def forward(self, x, mask, rope, fused=True):
        """x [B, T, dim], mask bool [B, 1, T, T] (True = attend), rope [T, dim_head] -> [B, T, dim]."""
        b, t, _ = x.shape
        q = apply_rotary_pos_emb(self.to_q(x), rope)
        k = apply_rotary_pos_emb(self.to_k(x), rope)
        v = self.to_v(x)
        q, k, v = (z.view(b, t, self.heads, self.dim_head).transpose(1, 2) for z in (q, k, v))   # [B, H, T, D]
        o = sdpa(q, k, v, mask=mask, fused=fused)
        o = o.transpose(1, 2).reshape(b, t, self.heads * self.dim_head)
        o = self.to_out[0](o)
        if mask is not None:
            keep = mask[:, 0, -1].unsqueeze(-1)                    # [B, T, 1]: the last query row = valid frames
            o = o.masked_fill(~keep, 0.0)
        return o


class AdaLayerNormZero(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.silu = nn.SiLU()
        self.linear = nn.Linear(dim, dim * 6)
        self.norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)

    def forward(self, x, emb):
        emb = self.linear(self.silu(emb))
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = torch.chunk(emb, 6, dim=1)
        x = self.norm(x) * (1 + scale_msa[:, None]) + shift_msa[:, None]
        return x, gate_msa, shift_mlp, scale_mlp, gate_mlp


class AdaLayerNormZero_Final(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.silu = nn.SiLU()
        self.linear = nn.Linear(dim, dim * 2)
        self.norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)

    def forward(self, x, emb):
        emb = self.linear(self.silu(emb))
        scale, shift = torch.chunk(emb, 2, dim=1)                  # (scale, shift): official order
        return self.norm(x) * (1 + scale)[:, None, :] + shift[:, None, :]


class FeedForward(nn.Module):
    def __init__(self, dim, mult):
        super().__init__()
        inner = int(dim * mult)
        self.ff = nn.Sequential(nn.Sequential(nn.Linear(dim, inner), nn.GELU(approximate="tanh")),
                                nn.Dropout(0.0), nn.Linear(inner, dim))

    def forward(self, x):
        return self.ff(x)


class DiTBlock(nn.Module):
    def __init__(self, dim, heads, dim_head, ff_mult):
        super().__init__()
        self.attn_norm = AdaLayerNormZero(dim)
        self.attn = Attention(dim, heads, dim_head)
        self.ff_norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.ff = FeedForward(dim, ff_mult)

    def forward(self, x, t, mask, rope, fused=True):
        norm, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.attn_norm(x, emb=t)
        x = x + gate_msa.unsqueeze(1) * self.attn(norm, mask, rope, fused)
        norm = self.ff_norm(x) * (1 + scale_mlp[:, None]) + shift_mlp[:, None]
        return x + gate_mlp.unsqueeze(1) * self.ff(norm)


def subsequent_chunk_mask(size, chunk_size, device):
    """[T, T] bool: frame i sees frames j < (i // chunk + 1) * chunk (all left chunks)."""
    pos = torch.arange(size, device=device)
    block = (torch.div(pos, chunk_size, rounding_mode="floor") + 1) * chunk_size
    return pos.unsqueeze(0) < block.unsqueeze(1)


def dit_attention_mask(mask, streaming, chunk_size):
    """add_optional_chunk_mask as DiT.forward calls it: mask [B, 1, T] -> bool [B, 1, T, T]."""
    mask = mask.bool()
    t = mask.shape[-1]
    if streaming:
        m = mask & subsequent_chunk_mask(t, chunk_size, mask.device).unsqueeze(0)   # [B, T, T]
    else:
        m = mask.repeat(1, t, 1)                                                     # [B, T, T]
    empty = m.sum(dim=-1) == 0
    if bool(empty.any()):
        m = m | empty.unsqueeze(-1)                                # a row that sees nothing is opened fully
    return m.unsqueeze(1)


class DiT(nn.Module):
    def __init__(self, g: FlowGeometry):
        super().__init__()
        dim = g.dit_dim
        self.static_chunk_size = g.static_chunk_size
        self.time_embed = TimestepEmbedding(dim, g.time_freq_dim)
        self.input_embed = InputEmbedding(g.mel_dim, g.mel_dim, g.mel_dim, dim, g)
        self.rotary_embed = RotaryEmbedding(g.dit_dim_head)
        self.transformer_blocks = nn.ModuleList(
            [DiTBlock(dim, g.dit_heads, g.dit_dim_head, g.ff_mult) for _ in range(g.dit_depth)])
        self.norm_out = AdaLayerNormZero_Final(dim)
        self.proj_out = nn.Linear(dim, g.mel_dim)

    def forward(self, x, mask, mu, t, spks, cond, streaming=False, fused=True):
        """x, mu, cond [B, 80, T], mask [B, 1, T], t [B], spks [B, 80] -> [B, 80, T]."""
        x, mu, cond = x.transpose(1, 2), mu.transpose(1, 2), cond.transpose(1, 2)
        if t.ndim == 0:
            t = t.repeat(x.shape[0])
        t = self.time_embed(t)                                     # [B, dim]
        x = self.input_embed(x, cond, mu, spks)                    # [B, T, dim]
        rope = self.rotary_embed.forward_from_seq_len(x.shape[1])  # [T, dim_head]
        attn_mask = dit_attention_mask(mask, streaming, self.static_chunk_size)   # [B, 1, T, T]
        for block in self.transformer_blocks:
            x = block(x, t, attn_mask, rope, fused)
        x = self.norm_out(x, t)
        return self.proj_out(x).transpose(1, 2)                    # [B, 80, T]


# ---------------------------------------------------------------- CFM (flow_matching.py)

class CausalConditionalCFM(nn.Module):
    NOISE_FRAMES = 15000

    def __init__(self, g: FlowGeometry):
        super().__init__()
        self.g = g
        self.estimator = DiT(g)
        self._noise = None

    def rand_noise(self, frames, device, dtype):
        """The fixed noise: randn(1, 80, 15000) after seeding 0 (not in the state dict), first `frames` frames."""
        if frames > self.NOISE_FRAMES:
            raise ValueError(f"flow call of {frames} frames exceeds the fixed noise of {self.NOISE_FRAMES} frames")
        if self._noise is None:
            gen = torch.Generator().manual_seed(0)
            self._noise = torch.randn(1, self.g.mel_dim, self.NOISE_FRAMES, generator=gen)
        return self._noise[:, :, :frames].to(device=device, dtype=dtype)

    @staticmethod
    def time_span(n, device, dtype=torch.float32):
        t = torch.linspace(0, 1, n + 1, device=device, dtype=dtype)
        return 1 - torch.cos(t * 0.5 * torch.pi)

    @torch.no_grad()
    def forward(self, mu, mask, spks, cond, streaming=False, observer=None, fused=True):
        """Euler/CFG inference from the fixed noise (temperature 1). mu, cond [1, 80, T] -> x [1, 80, T]."""
        z = self.rand_noise(mu.shape[2], mu.device, mu.dtype)
        return self.solve_euler(z, self.time_span(self.g.n_timesteps, mu.device, mu.dtype), mu, mask, spks, cond,
                                streaming, observer, fused)

    def solve_euler(self, x, t_span, mu, mask, spks, cond, streaming, observer=None, fused=True):
        t, dt = t_span[0], t_span[1] - t_span[0]
        t = t.unsqueeze(0)
        T = x.shape[2]
        mel = x.shape[1]
        for step in range(1, len(t_span)):
            x_in = torch.cat([x, x], dim=0)                                     # [2, 80, T]
            mask_in = torch.cat([mask, mask], dim=0)
            mu_in = torch.cat([mu, torch.zeros_like(mu)], dim=0)
            t_in = torch.cat([t, t], dim=0)
            spks_in = torch.cat([spks, torch.zeros_like(spks)], dim=0)
            cond_in = torch.cat([cond, torch.zeros_like(cond)], dim=0)
            out = self.estimator(x_in, mask_in, mu_in, t_in, spks_in, cond_in, streaming, fused)
            if observer is not None:
                observer(step - 1, t, x, out, (x_in, mask_in, mu_in, t_in, spks_in, cond_in))
            v_cond, v_uncond = torch.split(out, [1, 1], dim=0)
            v = (1.0 + self.g.inference_cfg_rate) * v_cond - self.g.inference_cfg_rate * v_uncond
            x = x + dt * v
            t = t + dt
            if step < len(t_span) - 1:
                dt = t_span[step + 1] - t
        assert x.shape == (1, mel, T)
        return x.float()

    def compute_loss(self, x1, mask, mu, spks, cond, streaming=False, loss_mask=None):
        """Official CFM loss: cosine t, x_t = (1-(1-s)t) z + t x1, target u = x1 - (1-s) z, CFG dropout of
        (mu, spks, cond). x1, mu, cond [B, 80, T]; mask [B, 1, T]; loss_mask [B, 1, T] (default mask)."""
        b = mu.shape[0]
        s = self.g.sigma_min
        t = torch.rand([b, 1, 1], device=mu.device, dtype=mu.dtype)
        t = 1 - torch.cos(t * 0.5 * torch.pi)
        z = torch.randn_like(x1)
        y = (1 - (1 - s) * t) * z + t * x1
        u = x1 - (1 - s) * z
        if self.g.training_cfg_rate > 0:
            keep = (torch.rand(b, device=x1.device) > self.g.training_cfg_rate).to(mu.dtype)
            mu = mu * keep.view(-1, 1, 1)
            spks = spks * keep.view(-1, 1)
            cond = cond * keep.view(-1, 1, 1)
        pred = self.estimator(y, mask, mu, t.view(b), spks, cond, streaming=streaming)
        lm = (mask if loss_mask is None else loss_mask).to(pred.dtype)
        err = (pred.float() - u.float()) ** 2 * lm
        return err.sum() / (lm.sum() * u.shape[1]).clamp(min=1.0)


# ---------------------------------------------------------------- flow (flow.py, upsample_encoder.py)

class PreLookaheadLayer(nn.Module):
    def __init__(self, in_channels, channels, pre_lookahead_len):
        super().__init__()
        self.pre_lookahead_len = pre_lookahead_len
        self.conv1 = nn.Conv1d(in_channels, channels, kernel_size=pre_lookahead_len + 1, stride=1, padding=0)
        self.conv2 = nn.Conv1d(channels, in_channels, kernel_size=3, stride=1, padding=0)

    def forward(self, inputs, context=None):
        """inputs [B, L, 80]; context [B, <=3, 80] right-context tokens (None: zero padding) -> [B, L, 80]."""
        out = inputs.transpose(1, 2)
        if context is None or context.shape[1] == 0:
            out = F.pad(out, (0, self.pre_lookahead_len))
        else:
            out = torch.cat([out, context.transpose(1, 2)], dim=2)
            out = F.pad(out, (0, self.pre_lookahead_len - context.shape[1]))
        out = F.leaky_relu(self.conv1(out))
        out = self.conv2(F.pad(out, (self.conv2.kernel_size[0] - 1, 0)))
        return out.transpose(1, 2) + inputs


class CausalMaskedDiffWithDiT(nn.Module):
    def __init__(self, g: FlowGeometry):
        super().__init__()
        self.g = g
        self.input_embedding = nn.Embedding(g.vocab_size, g.mel_dim)
        self.spk_embed_affine_layer = nn.Linear(g.spk_embed_dim, g.mel_dim)
        self.pre_lookahead_layer = PreLookaheadLayer(g.mel_dim, g.pre_lookahead_channels, g.pre_lookahead_len)
        self.decoder = CausalConditionalCFM(g)

    def speaker(self, embedding):
        return self.spk_embed_affine_layer(F.normalize(embedding, dim=1))   # [B, 80]

    @torch.no_grad()
    def inference(self, token, prompt_token, prompt_feat, embedding, streaming, finalize, trace=None, fused=True):
        """token [1, N], prompt_token [1, P], prompt_feat [1, 2P, 80], embedding [1, 192] -> mel [1, 80, 2N'].

        trace: optional dict filled with the intermediates (spks, token_emb, h, mu, cond, mask, x_final).
        """
        spks = self.speaker(embedding)
        tokens = torch.cat([prompt_token, token], dim=1)
        emb = self.input_embedding(torch.clamp(tokens, min=0).long())      # batch of one: mask all ones
        la = self.g.pre_lookahead_len
        if finalize:
            h = self.pre_lookahead_layer(emb)
        else:
            h = self.pre_lookahead_layer(emb[:, :-la], context=emb[:, -la:])
        h = h.repeat_interleave(self.g.token_mel_ratio, dim=1)             # [1, T, 80]
        mel_len1 = prompt_feat.shape[1]
        T = h.shape[1]
        cond = torch.zeros(1, T, self.g.mel_dim, device=h.device, dtype=h.dtype)
        cond[:, :mel_len1] = prompt_feat
        cond = cond.transpose(1, 2)                                        # [1, 80, T]
        mask = torch.ones(1, 1, T, device=h.device, dtype=h.dtype)
        mu = h.transpose(1, 2).contiguous()
        x = self.decoder(mu, mask, spks, cond, streaming, observer=None if trace is None else trace.get("observer"),
                         fused=fused)
        if trace is not None:
            trace.update(spks=spks, token_emb=emb, h=h[:, ::self.g.token_mel_ratio], mu=mu, cond=cond, mask=mask,
                         x_final=x)
        return x[:, :, mel_len1:]

    def training_loss(self, tokens, token_len, mel, spk_emb, prompt_frames=None, streaming=None):
        """The loss of one training step on a padded batch (official CausalMaskedDiffWithDiT.forward + CFM loss).

        tokens [B, L] long; token_len [B]; mel [B, 2L, 80] target log-mel, time-major, zero padded;
        spk_emb [B, 192]; prompt_frames [B] long: cond = the first prompt_frames frames of mel (a prompt
        utterance placed before the target), or -1 for the official random prefix (up to 30 % of the
        frames, for half of the rows). Half the batches stream (50-frame block-causal mask) unless
        `streaming` is given. The loss skips the cond frames (they are given) and the padding.
        """
        if streaming is None:
            streaming = random.random() < 0.5
        b, L = tokens.shape
        dev = tokens.device
        r = self.g.token_mel_ratio
        tmask = torch.arange(L, device=dev)[None, :] < token_len[:, None]                         # [B, L]
        emb = self.input_embedding(torch.clamp(tokens, min=0)) * tmask.unsqueeze(-1).to(self.input_embedding.weight.dtype)
        h = self.pre_lookahead_layer(emb).repeat_interleave(r, dim=1)                            # [B, T, 80]
        fmask = tmask.repeat_interleave(r, dim=1)                                                # [B, T]
        T = h.shape[1]
        feat = mel[:, :T].to(h.dtype)
        mel_len = token_len * r
        use = torch.rand(b, device=dev) >= 0.5
        rand_prefix = (torch.rand(b, device=dev) * (0.3 * mel_len.float() + 1)).floor().long() * use.long()
        if prompt_frames is None:
            prompt_frames = torch.full((b,), -1, dtype=torch.long, device=dev)
        prefix = torch.where(prompt_frames >= 0, prompt_frames, rand_prefix)
        cmask = torch.arange(T, device=dev)[None, :] < prefix[:, None]                           # [B, T]
        cond = (feat * cmask.unsqueeze(-1).to(feat.dtype)).transpose(1, 2)                       # [B, 80, T]
        spks = self.speaker(spk_emb)
        mask = fmask.unsqueeze(1).to(h.dtype)                                                    # [B, 1, T]
        loss_mask = (fmask & ~cmask).unsqueeze(1)
        return self.decoder.compute_loss(feat.transpose(1, 2).contiguous(), mask, h.transpose(1, 2).contiguous(),
                                         spks, cond, streaming=streaming, loss_mask=loss_mask)

    def export_state_dict(self):
        return {k: v.detach().float().cpu().contiguous() for k, v in self.state_dict().items()}
