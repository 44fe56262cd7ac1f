"""The demo speaker encoder (stands in for CAM++): 80-bin mean-normalised Kaldi fbank -> 192-dim
x-vector. A small TDNN (dilated 1-D convolutions) with statistics pooling, trained by speaker
classification on our espeak-ng voices; exported as campplus.onnx with the official I/O
(input "input" float32 [1, T, 80] -> output "embedding" float32 [1, 192])."""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EMB_DIM = 192
CHANNELS = 256


class SpeakerEncoder(nn.Module):
    def __init__(self, n_speakers=0, bins=80, channels=CHANNELS, emb=EMB_DIM):
        super().__init__()
        # (in, out, kernel, dilation): receptive field 1 + 4 + 4 + 6 = 15 frames
        spec = [(bins, channels, 5, 1), (channels, channels, 3, 2), (channels, channels, 3, 3), (channels, 2 * channels, 1, 1)]
        self.convs = nn.ModuleList(nn.Conv1d(i, o, k, dilation=d, padding=d * (k - 1) // 2) for i, o, k, d in spec)
        self.norms = nn.ModuleList(nn.BatchNorm1d(o) for _, o, _, _ in spec)
        self.embedding = nn.Linear(4 * channels, emb)
        self.classifier = nn.Linear(emb, n_speakers) if n_speakers else None

    def embed(self, feats, mask=None):
        """feats [B, T, 80], mask [B, T] (1 = frame) -> [B, 192]. Without a mask every frame counts
        (the exported single-utterance graph); with one, padded frames are zeroed after every layer,
        which equals running each utterance alone (its convolutions see zero padding)."""
        x = feats.transpose(1, 2)                          # [B, 80, T]
        m = None if mask is None else mask.unsqueeze(1).to(x.dtype)   # [B, 1, T]
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x)))
            if m is not None:
                x = x * m
        if m is None:
            mean = x.mean(dim=2)
            var = (x * x).mean(dim=2) - mean * mean
        else:
            n = m.sum(dim=2).clamp(min=1)
            mean = x.sum(dim=2) / n
            var = (x * x).sum(dim=2) / n - mean * mean
        std = torch.sqrt(var.clamp(min=1e-5))
        return self.embedding(torch.cat([mean, std], dim=1))  # [B, 192]

    def forward(self, feats):
        return self.embed(feats)


def train(feats, lengths, speakers, n_speakers, device, seconds=60.0, crop=300, batch=128, seed=0, log=print):
    """Speaker classification on random crops (crop frames = 3 s) of the fbank features.
    feats: list of [T, 80] tensors (CPU), speakers: list of ints. Returns the model (eval mode)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = SpeakerEncoder(n_speakers).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    spk = torch.tensor(speakers)
    lens = torch.tensor(lengths)
    t0, step = time.time(), 0
    model.train()
    while time.time() - t0 < seconds:
        idx = torch.randint(len(feats), (batch,), generator=g)
        c = int(min(crop, lens[idx].min().item()))
        xs = []
        for i in idx.tolist():
            off = int(torch.randint(int(lens[i]) - c + 1, (1,), generator=g))
            xs.append(feats[i][off:off + c])
        x = torch.stack(xs).to(device).float()
        x = x - x.mean(dim=1, keepdim=True)                # CMN of the crop, as at inference
        loss = F.cross_entropy(model.classifier(model.embed(x)), spk[idx].to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            log(f"  speaker encoder step {step}: loss {loss.item():.3f}")
    log(f"  speaker encoder: {step} steps in {time.time() - t0:.0f} s, last loss {loss.item():.3f}")
    model.eval()
    return model


@torch.no_grad()
def embed_all(model, feats, device, batch=64):
    """Embeddings of whole utterances (CMN over each utterance), batched by length with masks."""
    order = sorted(range(len(feats)), key=lambda i: feats[i].shape[0])
    out = [None] * len(feats)
    for s in range(0, len(order), batch):
        ids = order[s:s + batch]
        T = max(feats[i].shape[0] for i in ids)
        x = torch.zeros(len(ids), T, feats[ids[0]].shape[1])
        mask = torch.zeros(len(ids), T)
        for j, i in enumerate(ids):
            f = feats[i].float()
            x[j, :f.shape[0]] = f - f.mean(dim=0, keepdim=True)
            mask[j, :f.shape[0]] = 1
        e = model.embed(x.to(device), mask.to(device)).float().cpu()
        for j, i in enumerate(ids):
            out[i] = e[j]
    return torch.stack(out)
