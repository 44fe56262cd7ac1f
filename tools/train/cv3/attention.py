"""Scaled dot-product attention that runs on torch 1.13 (manual) and uses the fused kernel on torch >= 2."""
import math

import torch
import torch.nn.functional as F

_HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def sdpa(q, k, v, mask=None, causal=False, fused=True):
    """q, k, v [B, H, T, D]; mask bool [B or 1, 1 or H, Tq, Tk] (True = attend) -> [B, H, Tq, D].

    fused=False forces the explicit softmax(q k^T / sqrt(D)) v (fp32 parity checks on every torch).
    """
    tq, tk = q.shape[-2], k.shape[-2]
    if causal and mask is None and (tq != tk or not (fused and _HAS_SDPA)):
        # queries are the LAST tq positions (KV-cache decode): bottom-right aligned causal mask
        # (SDPA's is_causal aligns top-left when tq != tk)
        mask = torch.ones(tq, tk, dtype=torch.bool, device=q.device).tril(tk - tq)
    if fused and _HAS_SDPA:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal and mask is None)
    scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(q.shape[-1]))   # [B, H, Tq, Tk]
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.matmul(scores.softmax(-1), v)
