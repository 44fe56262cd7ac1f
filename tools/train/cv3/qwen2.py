"""Qwen2 decoder (transformers' Qwen2ForCausalLM, inference-relevant parts) with the official key names.

RoPE is HF "rotate-half" with theta from the config, GQA by repeating KV heads, RMSNorm computed in
float32, SwiGLU MLP; q/k/v with bias, o_proj without (reference §3.1).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import sdpa
from .geometry import LlmGeometry


class Qwen2RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(dtype)


class Qwen2RotaryEmbedding(nn.Module):
    def __init__(self, head_dim, theta):
        super().__init__()
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)   # not in the official state dict

    def forward(self, start, length, device):
        pos = torch.arange(start, start + length, device=device, dtype=torch.float32)
        freqs = pos[:, None] * self.inv_freq.to(device)[None, :]       # [T, hd/2]
        emb = torch.cat([freqs, freqs], dim=-1)                         # [T, hd]
        return emb.cos(), emb.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Qwen2Attention(nn.Module):
    def __init__(self, g: LlmGeometry):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = g.heads, g.kv_heads, g.head_dim
        self.q_proj = nn.Linear(g.hidden, g.heads * g.head_dim, bias=True)
        self.k_proj = nn.Linear(g.hidden, g.kv_heads * g.head_dim, bias=True)
        self.v_proj = nn.Linear(g.hidden, g.kv_heads * g.head_dim, bias=True)
        self.o_proj = nn.Linear(g.heads * g.head_dim, g.hidden, bias=False)

    def forward(self, x, cos, sin, cache=None, fused=True):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)       # [B, H, T, D]
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)    # [B, KV, T, D]
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        # rotation in float32 (cos/sin are float32), back to the activation dtype (bf16 under autocast)
        q = (q.float() * cos + rotate_half(q.float()) * sin).to(q.dtype)
        k = (k.float() * cos + rotate_half(k.float()) * sin).to(k.dtype)
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
        rep = self.heads // self.kv_heads
        o = sdpa(q, k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1), causal=True, fused=fused)
        return self.o_proj(o.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))   # [B, T, hidden]


class Qwen2MLP(nn.Module):
    def __init__(self, g: LlmGeometry):
        super().__init__()
        self.gate_proj = nn.Linear(g.hidden, g.intermediate, bias=False)
        self.up_proj = nn.Linear(g.hidden, g.intermediate, bias=False)
        self.down_proj = nn.Linear(g.intermediate, g.hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Qwen2DecoderLayer(nn.Module):
    def __init__(self, g: LlmGeometry):
        super().__init__()
        self.self_attn = Qwen2Attention(g)
        self.mlp = Qwen2MLP(g)
        self.input_layernorm = Qwen2RMSNorm(g.hidden, g.rms_eps)
        self.post_attention_layernorm = Qwen2RMSNorm(g.hidden, g.rms_eps)

    def forward(self, x, cos, sin, cache=None, fused=True):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, fused)
        return x + self.mlp(self.post_attention_layernorm(x))


class Qwen2Model(nn.Module):
    def __init__(self, g: LlmGeometry):
        super().__init__()
        self.embed_tokens = nn.Embedding(g.text_vocab, g.hidden)
        self.layers = nn.ModuleList([Qwen2DecoderLayer(g) for _ in range(g.layers)])
        self.norm = Qwen2RMSNorm(g.hidden, g.rms_eps)
        self.rotary_emb = Qwen2RotaryEmbedding(g.head_dim, g.rope_theta)

    def forward(self, inputs_embeds, cache=None, start=0, fused=True):
        """inputs_embeds [B, T, hidden] -> last hidden state (final norm applied) [B, T, hidden].

        cache: None, or a list of [k, v] per layer updated in place (positions continue at `start`).
        Right padding needs no mask: causal attention keeps valid positions from seeing it.
        """
        cos, sin = self.rotary_emb(start, inputs_embeds.shape[1], inputs_embeds.device)   # [T, hd]
        x = inputs_embeds
        for i, layer in enumerate(self.layers):
            c = cache[i] if cache is not None else None
            x = layer(x, cos, sin, c, fused)
        return self.norm(x)


class Qwen2ForCausalLM(nn.Module):
    """Keys `model.*` and `lm_head.weight`; lm_head is tied to embed_tokens (the same Parameter)."""

    def __init__(self, g: LlmGeometry):
        super().__init__()
        self.model = Qwen2Model(g)
        self.lm_head = nn.Linear(g.hidden, g.text_vocab, bias=False)
        self.lm_head.weight = self.model.embed_tokens.weight


class Qwen2Encoder(nn.Module):
    """cosyvoice.llm.llm.Qwen2Encoder: holds the HF model as `.model`."""

    def __init__(self, g: LlmGeometry):
        super().__init__()
        self.model = Qwen2ForCausalLM(g)

    def forward(self, inputs_embeds, cache=None, start=0, fused=True):
        return self.model.model(inputs_embeds, cache, start, fused)
