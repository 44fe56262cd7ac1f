"""The training dataset (format: dataset_format.md) and length-bucketed batch builders for the LLM and flow."""
import os

import numpy as np
import torch

REQUIRED = ("speaker", "text_ids", "speech_tokens", "mel", "spk_emb")


def _np(x, dtype):
    if isinstance(x, torch.Tensor):
        x = x.cpu().numpy()
    return np.asarray(x).astype(dtype, copy=False)


class Dataset:
    """Utterances as flat numpy arrays with offsets (tokens, text ids) plus a flat mel [sum T, 80] tensor."""

    def __init__(self, d, need_mel=True):
        missing = [k for k in REQUIRED if k not in d]
        if missing:
            raise ValueError(f"dataset lacks keys {missing} (see tools/train/cv3/dataset_format.md); has {sorted(d)}")
        n = len(d["speaker"])
        for k in REQUIRED:
            if len(d[k]) != n:
                raise ValueError(f"dataset key {k!r} has {len(d[k])} entries, 'speaker' has {n}")
        if n < 2:
            raise ValueError(f"dataset has {n} utterance(s); training needs at least 2")
        self.n = n
        self.speaker = _np(d["speaker"], np.int64)
        self.text_vocab_size = int(d.get("text_vocab_size", -1))
        self.prompt_prefix = _np(d.get("prompt_prefix_ids", []), np.int64).reshape(-1)
        tok = [_np(t, np.int64).reshape(-1) for t in d["speech_tokens"]]
        mels = [_np(m, np.float16) for m in d["mel"]] if need_mel else None
        # tokens used per utterance: mel frames must cover 2 per token
        if need_mel:
            for i, m in enumerate(mels):
                if m.ndim != 2 or m.shape[1] != 80:
                    raise ValueError(f"utterance {i}: mel has shape {m.shape}, expected [T, 80]")
            self.n_tok = np.array([min(len(t), m.shape[0] // 2) for t, m in zip(tok, mels)], dtype=np.int64)
        else:
            self.n_tok = np.array([len(t) for t in tok], dtype=np.int64)
        if (self.n_tok < 1).any():
            bad = int(np.nonzero(self.n_tok < 1)[0][0])
            raise ValueError(f"utterance {bad} has no usable speech tokens")
        self.tok_off = np.concatenate([[0], np.cumsum([len(t) for t in tok])]).astype(np.int64)
        self.tokens = np.concatenate(tok)
        text = [_np(t, np.int64).reshape(-1) for t in d["text_ids"]]
        self.text_len = np.array([len(t) for t in text], dtype=np.int64)
        self.text_off = np.concatenate([[0], np.cumsum(self.text_len)]).astype(np.int64)
        self.text = np.concatenate(text) if text else np.zeros(0, np.int64)
        self.spk_emb = np.stack([_np(e, np.float32).reshape(-1) for e in d["spk_emb"]])
        if self.spk_emb.shape[1] != 192:
            raise ValueError(f"spk_emb has {self.spk_emb.shape[1]} values, expected 192")
        if need_mel:
            self.mel_len = np.array([m.shape[0] for m in mels], dtype=np.int64)
            self.mel_off = np.concatenate([[0], np.cumsum(self.mel_len)]).astype(np.int64)
            # one zero row at the end: the gather index of padding
            self.mel = torch.from_numpy(np.concatenate(mels + [np.zeros((1, 80), np.float16)]))
        self.by_speaker = {}
        for i, s in enumerate(self.speaker.tolist()):
            self.by_speaker.setdefault(s, []).append(i)
        self.by_speaker = {s: np.array(v) for s, v in self.by_speaker.items()}

    @staticmethod
    def load(path, need_mel=True):
        if not os.path.exists(path):
            raise FileNotFoundError(f"dataset {path} not found (written by tools/train/data.py)")
        return Dataset(torch.load(path, map_location="cpu", weights_only=False), need_mel)

    def tokens_of(self, i, n=None):
        n = self.n_tok[i] if n is None else n
        return self.tokens[self.tok_off[i]:self.tok_off[i] + n]

    def text_of(self, i):
        return self.text[self.text_off[i]:self.text_off[i + 1]]

    def partner(self, rng, i):
        """Another utterance of i's speaker (i itself when the speaker has one)."""
        cand = self.by_speaker[self.speaker[i]]
        if len(cand) == 1:
            return i
        j = i
        while j == i:
            j = int(cand[rng.integers(len(cand))])
        return j


def bucket(lengths, budget, max_batch, rng):
    """Indices sorted by length, cut into batches with batch * max_len <= budget; batches shuffled."""
    order = np.argsort(lengths, kind="stable")
    batches, cur, cur_max = [], [], 0
    for k in order:
        m = max(cur_max, int(lengths[k]))
        if cur and (m * (len(cur) + 1) > budget or len(cur) >= max_batch):
            batches.append(cur)
            cur, m = [], int(lengths[k])
        cur.append(int(k))
        cur_max = m
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


class LlmBatches:
    """Zero-shot LLM sequences: (prompt utterance, target utterance) of one speaker."""

    def __init__(self, ds: Dataset, g, rng, token_budget, max_batch, prompt_weight=0.1, no_prompt_prob=0.1,
                 max_len=None):
        self.ds, self.g, self.rng = ds, g, rng
        self.budget, self.max_batch = token_budget, max_batch
        self.prompt_weight, self.no_prompt_prob = prompt_weight, no_prompt_prob
        self.max_len = max_len or token_budget
        self.queue = []

    def _pairs(self, count):
        tgt = self.rng.integers(self.ds.n, size=count)
        out = []
        for i in tgt.tolist():
            p = -1 if self.rng.random() < self.no_prompt_prob else self.ds.partner(self.rng, i)
            n = len(self.ds.prompt_prefix) + self.ds.text_len[i] + self.ds.n_tok[i] + 3
            if p >= 0:
                n += self.ds.text_len[p] + self.ds.n_tok[p]
            if n > self.max_len and p >= 0:
                p, n = -1, n - self.ds.text_len[p] - self.ds.n_tok[p]
            if n > self.max_len:
                continue   # a single utterance longer than the budget is skipped
            out.append((p, i, n))
        return out

    def next(self):
        while not self.queue:
            pairs = self._pairs(max(64, 8 * self.max_batch))
            lens = np.array([n for _, _, n in pairs])
            self.queue = [[pairs[k] for k in b] for b in bucket(lens, self.budget, self.max_batch, self.rng)]
        return self.build(self.queue.pop())

    def build(self, pairs):
        """-> dict of LongTensor [B, L]: text_ids, speech_ids, is_text (bool), target, weight (float)."""
        g, ds = self.g, self.ds
        L = max(n for _, _, n in pairs) - 1   # inputs drop the final eos
        B = len(pairs)
        text = np.zeros((B, L), np.int64)
        speech = np.zeros((B, L), np.int64)
        is_text = np.zeros((B, L), bool)
        target = np.zeros((B, L), np.int64)
        weight = np.zeros((B, L), np.float32)
        for b, (p, i, _) in enumerate(pairs):
            ptext = ds.text_of(p) if p >= 0 else np.zeros(0, np.int64)
            ptok = ds.tokens_of(p) if p >= 0 else np.zeros(0, np.int64)
            tt = np.concatenate([ds.prompt_prefix, ptext, ds.text_of(i)])
            ttok = ds.tokens_of(i)
            lt = len(tt)
            # input row: sos, text..., task_id, prompt tokens..., target tokens...
            speech[b, 0] = g.sos
            text[b, 1:1 + lt] = tt
            is_text[b, 1:1 + lt] = True
            s0 = 1 + lt
            speech[b, s0] = g.task_id
            sp = np.concatenate([ptok, ttok])
            speech[b, s0 + 1:s0 + 1 + len(sp)] = sp
            # targets: position s0 + k predicts sp[k]; the last one predicts eos
            tgt = np.concatenate([sp, [g.eos]])
            target[b, s0:s0 + len(tgt)] = tgt
            weight[b, s0:s0 + len(ptok)] = self.prompt_weight
            weight[b, s0 + len(ptok):s0 + len(tgt)] = 1.0
        t = torch.from_numpy
        return {"text_ids": t(text), "speech_ids": t(speech), "is_text": t(is_text), "target": t(target),
                "weight": t(weight)}


class FlowBatches:
    """Flow samples: half are (prompt utterance ++ target utterance) of one speaker with the prompt's mel as
    cond (what inference does), half a single utterance with a random prefix as cond (official training)."""

    def __init__(self, ds: Dataset, rng, frame_budget, max_batch, max_frames=600, pair_prob=0.5):
        self.ds, self.rng = ds, rng
        self.budget, self.max_batch, self.max_frames, self.pair_prob = frame_budget, max_batch, max_frames, pair_prob
        self.queue = []

    def _samples(self, count):
        ds, out = self.ds, []
        max_tok = self.max_frames // 2
        for i in self.rng.integers(ds.n, size=count).tolist():
            n = min(int(ds.n_tok[i]), max_tok)
            start = int(self.rng.integers(ds.n_tok[i] - n + 1))
            p, pn = -1, 0
            if self.rng.random() < self.pair_prob and n < max_tok:
                p = ds.partner(self.rng, i)
                if p != i:
                    pn = min(int(ds.n_tok[p]), max_tok - n, max(1, int(0.5 * max_tok)))
                else:
                    p = -1
            out.append((p, pn, i, start, n))
        return out

    def next(self):
        while not self.queue:
            s = self._samples(max(64, 8 * self.max_batch))
            lens = np.array([(pn + n) * 2 for _, pn, _, _, n in s])
            self.queue = [[s[k] for k in b] for b in bucket(lens, self.budget, self.max_batch, self.rng)]
        return self.build(self.queue.pop())

    def build(self, samples):
        """-> tokens [B, L], token_len [B], mel_index [B, 2L] (rows of ds.mel; padding -> zero row),
        prompt_frames [B] (-1: draw a random prefix), spk_emb [B, 192]."""
        ds = self.ds
        B = len(samples)
        L = max(pn + n for _, pn, _, _, n in samples)
        pad_row = ds.mel.shape[0] - 1
        tokens = np.zeros((B, L), np.int64)
        tlen = np.zeros(B, np.int64)
        idx = np.full((B, 2 * L), pad_row, np.int64)
        pframes = np.full(B, -1, np.int64)
        spk = np.zeros((B, 192), np.float32)
        for b, (p, pn, i, start, n) in enumerate(samples):
            parts_t, parts_m = [], []
            if p >= 0:
                parts_t.append(ds.tokens_of(p, pn))   # the prompt: its first pn tokens
                parts_m.append(ds.mel_off[p] + np.arange(2 * pn))
                pframes[b] = 2 * pn
            parts_t.append(ds.tokens[ds.tok_off[i] + start:ds.tok_off[i] + start + n])
            parts_m.append(ds.mel_off[i] + 2 * start + np.arange(2 * n))
            tk = np.concatenate(parts_t)
            tokens[b, :len(tk)] = tk
            tlen[b] = len(tk)
            mi = np.concatenate(parts_m)
            idx[b, :len(mi)] = mi
            spk[b] = ds.spk_emb[p if p >= 0 else i]
        t = torch.from_numpy
        return {"tokens": t(tokens), "token_len": t(tlen), "mel_index": t(idx), "prompt_frames": t(pframes),
                "spk_emb": t(spk)}
