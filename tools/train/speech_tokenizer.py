"""The demo speech tokenizer (stands in for the supervised S3 tokenizer v3): k-means over
whisper 128-bin log-mel, 4 frames (40 ms) per token -> 25 Hz tokens, K = 512.

Token vector = the 4 stacked log-mel frames of a token (512 values) minus the utterance's maximum
log-mel value. Whisper's log-mel floors every utterance at its own max - 8 (log10), so without
this the silence of each utterance sits at a different level and k-means spends dozens of
centroids on silence levels; relative to the max, silence is one vector (-2) and speech is
level-independent. The 7 lowest-energy
centroids (lowest mean log-mel: silence) get the official CosyVoice3 "silent" ids that the Java
SilenceThrottle knows; the other centroids take the remaining ids in centroid order.
Exported as speech_tokenizer_v3.onnx with the official I/O: inputs "feats" float32 [1, 128, T]
and "feats_length" int32 [1], output "tokens" int64 [1, ceil(T/4)] (the last token's missing
frames repeat the last frame)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

K = 512
FRAMES_PER_TOKEN = 4
MELS = 128
SILENT_IDS = (1, 2, 28, 29, 55, 248, 494)


def token_vectors(logmel):
    """[128, T] -> [ceil(T/4), 512] relative to the max (edge-padded to a multiple of 4 frames)."""
    logmel = logmel - logmel.max()
    T = logmel.shape[-1]
    n = math.ceil(T / FRAMES_PER_TOKEN)
    x = F.pad(logmel.unsqueeze(0), (0, n * FRAMES_PER_TOKEN - T), mode="replicate")[0]
    return x.reshape(MELS, n, FRAMES_PER_TOKEN).permute(1, 2, 0).reshape(n, FRAMES_PER_TOKEN * MELS)


def kmeans(x, k=K, iters=30, seed=0, log=print):
    """Lloyd's k-means on the device of x ([N, D] float32). Init: k distinct random vectors
    (fixed seed). Empty clusters are re-seeded with the points farthest from their centroid."""
    g = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    if n < k:
        raise ValueError(f"k-means needs at least {k} vectors, got {n}")
    c = x[torch.randperm(n, generator=g)[:k].to(x.device)].clone()
    for it in range(iters):
        a, d = assign(x, c)
        counts = torch.bincount(a, minlength=k)
        sums = torch.zeros_like(c).index_add_(0, a, x)
        new = sums / counts.clamp(min=1).unsqueeze(1).to(x.dtype)
        empty = (counts == 0).nonzero().flatten()
        if len(empty):
            far = d.topk(len(empty)).indices
            new[empty] = x[far]
        shift = (new - c).norm(dim=1).max().item()
        c = new
        if (it + 1) % 10 == 0 or it == iters - 1:
            log(f"  k-means iter {it + 1}: mean sq dist {d.mean().item():.4f}, max centroid shift {shift:.4f}, empty {len(empty)}")
    return c


def assign(x, c, chunk=1 << 18):
    """Nearest centroid of each row: (index [N], squared distance [N])."""
    cc = (c * c).sum(1)
    idx, dist = [], []
    for s in range(0, x.shape[0], chunk):
        xs = x[s:s + chunk]
        d = cc.unsqueeze(0) - 2.0 * xs @ c.T                       # ||c||^2 - 2 x.c
        m, i = d.min(dim=1)
        idx.append(i)
        dist.append((m + (xs * xs).sum(1)).clamp(min=0))
    return torch.cat(idx), torch.cat(dist)


def id_table(centroids):
    """cluster -> token id: the 7 lowest-energy centroids take SILENT_IDS (quietest first)."""
    k = centroids.shape[0]
    energy = centroids.mean(dim=1)
    quiet = energy.argsort()[:len(SILENT_IDS)].tolist()
    table = [-1] * k
    for cl, tid in zip(quiet, SILENT_IDS):
        table[cl] = tid
    free = iter(i for i in range(k) if i not in SILENT_IDS)
    for cl in range(k):
        if table[cl] < 0:
            table[cl] = next(free)
    return torch.tensor(table, dtype=torch.long)


class SpeechTokenizer(nn.Module):
    """feats [1, 128, T] float32, feats_length [1] int32 -> tokens [1, ceil(L/4)] int64."""

    def __init__(self, centroids, table):
        super().__init__()
        self.register_buffer("centroids", centroids.float())             # [K, 512]
        self.register_buffer("norm2", (centroids.float() ** 2).sum(1))   # [K]
        self.register_buffer("table", table.long())                      # [K]

    def forward(self, feats, feats_length):
        x = feats[:, :, :feats_length[0].long()]                         # [1, 128, L]
        x = x - x.max()                                                  # relative to the utterance max
        L = x.shape[2]
        n = (L + FRAMES_PER_TOKEN - 1) // FRAMES_PER_TOKEN
        x = F.pad(x, (0, n * FRAMES_PER_TOKEN - L), mode="replicate")    # [1, 128, 4n]
        v = x.reshape(MELS, n, FRAMES_PER_TOKEN).permute(1, 2, 0).reshape(n, FRAMES_PER_TOKEN * MELS)  # [n, 512]
        d = self.norm2.unsqueeze(0) - 2.0 * v @ self.centroids.T        # [n, K]
        return self.table[d.argmin(dim=1)].unsqueeze(0)                 # [1, n]
