#!/usr/bin/env python3
"""Train the demo CosyVoice3 LLM (CosyVoice3LM, demo geometry) on DIR/data/train.pt; export DIR/model/llm.pt.

  python3 tools/train/train_llm.py --work /tmp/vs-train --minutes 20 [--resume] [--device cuda|cpu] [--max-steps N]
  python3 tools/train/train_llm.py --selftest        # CPU smoke test on a synthetic dataset
"""
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cv3 import trainer  # noqa: E402
from cv3.data import Dataset, LlmBatches  # noqa: E402
from cv3.geometry import demo_llm  # noqa: E402
from cv3.llm import CosyVoice3LM  # noqa: E402

PEAK_LR = 1e-3            # small model trained from scratch
WARMUP_STEPS = 500
EVAL_BATCHES = 8          # held-out batches per evaluation (fixed draw)


def main(argv=None):
    ap = trainer.arg_parser("llm", __doc__)
    ap.add_argument("--token-budget", type=int, default=96 * 1024, help="max batch * padded length (positions)")
    ap.add_argument("--max-batch", type=int, default=256)
    ap.add_argument("--max-len", type=int, default=1200, help="longest sequence; longer pairs drop the prompt")
    ap.add_argument("--prompt-weight", type=float, default=0.1, help="loss weight of the prompt speech tokens")
    args = ap.parse_args(argv)
    if args.selftest:
        return selftest()
    if args.bench_seconds:
        return trainer.bench(main, args.device, args.bench_seconds)
    if not args.work:
        ap.error("--work is required")
    trainer.seed_all(args.seed)
    ds = Dataset.load(os.path.join(args.work, "data", "train.pt"), need_mel=False)
    if ds.text_vocab_size <= 0:
        raise ValueError("train.pt lacks text_vocab_size (CosyVoice-BlankEN/config.json vocab_size)")
    g = demo_llm(ds.text_vocab_size)
    if ds.tokens.max() >= g.speech_token_size:
        raise ValueError(f"speech token {ds.tokens.max()} outside the codebook of {g.speech_token_size}")
    if ds.text.size and ds.text.max() >= g.text_vocab:
        raise ValueError(f"text id {ds.text.max()} outside the text vocabulary of {g.text_vocab}")
    print(f"[llm] {ds.n} utterances, {len(ds.by_speaker)} speakers, {ds.tokens.size} speech tokens, "
          f"text vocab {g.text_vocab}", flush=True)
    batches = []   # built at the first step: a resumed run draws batches seeded by its start step

    def next_batch(step):
        if not batches:
            rng = np.random.default_rng([args.seed, step])
            batches.append(LlmBatches(ds, g, rng, args.token_budget, args.max_batch, args.prompt_weight, max_len=args.max_len))
        return batches[0].next()
    dev = torch.device(args.device)
    model = CosyVoice3LM(g)

    def loss_of(m, cpu):
        b = {k: v.to(dev, non_blocking=True) for k, v in cpu.items()}
        emb = torch.where(b["is_text"].unsqueeze(-1), m.embed_tokens(b["text_ids"]), m.speech_embedding(b["speech_ids"]))
        h = m.hidden(emb)                                              # [B, L, hidden]
        sel = b["weight"] > 0
        logits = m.llm_decoder(h[sel]).float()                         # [n, K + 200]
        tgt, w = b["target"][sel], b["weight"][sel]
        ce = F.cross_entropy(logits, tgt, reduction="none")
        loss = (ce * w).sum() / w.sum()
        main_pos = w == 1.0
        acc = (logits.argmax(-1)[main_pos] == tgt[main_pos]).float().mean()
        return loss, acc

    def step_fn(m, step):
        cpu = next_batch(step)
        loss, acc = loss_of(m, cpu)
        return loss, {"acc": acc.detach()}, int((cpu["weight"] > 0).sum())   # counted on the host: no sync

    eval_fn = None
    heldout_path = os.path.join(args.work, "data", "heldout.pt")
    if os.path.exists(heldout_path):
        held = Dataset.load(heldout_path, need_mel=False)

        def eval_fn(m):
            it = LlmBatches(held, g, np.random.default_rng(0), args.token_budget, args.max_batch, args.prompt_weight,
                            no_prompt_prob=0.0, max_len=args.max_len)
            res = [loss_of(m, it.next()) for _ in range(EVAL_BATCHES)]
            return {"loss": sum(float(l) for l, _ in res) / len(res), "acc": sum(float(a) for _, a in res) / len(res)}

    trainer.train("llm", args, model, g, step_fn, CosyVoice3LM,
                  args.lr or PEAK_LR, args.warmup_steps or WARMUP_STEPS, eval_fn)


def selftest():
    from cv3.synthetic import write_synthetic_dataset
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(os.path.join(work, "data"))
        write_synthetic_dataset(os.path.join(work, "data", "train.pt"))
        write_synthetic_dataset(os.path.join(work, "data", "heldout.pt"), utterances=6, seed=1)
        common = ["--work", work, "--device", "cpu", "--minutes", "5", "--token-budget", "2048", "--max-batch", "8"]
        main(common + ["--max-steps", "5", "--warmup-steps", "2"])
        main(common + ["--max-steps", "7", "--warmup-steps", "2", "--resume"])
        sd = torch.load(os.path.join(work, "model", "llm.pt"), map_location="cpu")
        assert sd["llm.model.lm_head.weight"] is sd["llm.model.model.embed_tokens.weight"], "tied lm_head not shared"
        assert sd["speech_embedding.weight"].shape == (712, 256), sd["speech_embedding.weight"].shape
        assert all(v.dtype == torch.float32 for v in sd.values())
        ck = torch.load(os.path.join(work, "ckpt", "llm.pt"), map_location="cpu", weights_only=False)
        assert ck["step"] == 7, ck["step"]
        print(f"llm selftest ok: {len(sd)} tensors, resumed to step {ck['step']}")


if __name__ == "__main__":
    main()
