#!/usr/bin/env python3
"""Train the demo CosyVoice3 flow (CausalMaskedDiffWithDiT, demo geometry) on DIR/data/train.pt; export DIR/model/flow.pt.

  python3 tools/train/train_flow.py --work /tmp/vs-train --minutes 20 [--resume] [--device cuda|cpu] [--max-steps N]
  python3 tools/train/train_flow.py --selftest        # CPU smoke test on a synthetic dataset
"""
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cv3 import trainer  # noqa: E402
from cv3.data import Dataset, FlowBatches  # noqa: E402
from cv3.flow import CausalMaskedDiffWithDiT  # noqa: E402
from cv3.geometry import DEMO_FLOW  # noqa: E402

PEAK_LR = 5e-4
WARMUP_STEPS = 500
EVAL_BATCHES = 8          # held-out batches per evaluation (fixed draw; the CFM loss itself is seeded by the trainer)


def main(argv=None):
    ap = trainer.arg_parser("flow", __doc__)
    ap.add_argument("--frame-budget", type=int, default=64 * 600, help="max batch * padded mel frames")
    ap.add_argument("--max-batch", type=int, default=128)
    ap.add_argument("--max-frames", type=int, default=600, help="longest sample in mel frames (prompt + target)")
    args = ap.parse_args(argv)
    if args.selftest:
        return selftest()
    if args.bench_seconds:
        return trainer.bench(main, args.device, args.bench_seconds)
    if not args.work:
        ap.error("--work is required")
    trainer.seed_all(args.seed)
    ds = Dataset.load(os.path.join(args.work, "data", "train.pt"), need_mel=True)
    g = DEMO_FLOW
    if ds.tokens.max() >= g.vocab_size:
        raise ValueError(f"speech token {ds.tokens.max()} outside the codebook of {g.vocab_size}")
    dev = torch.device(args.device)
    mel_all = ds.mel.to(dev)                                   # whole dataset's mel on the device, fp16
    print(f"[flow] {ds.n} utterances, {len(ds.by_speaker)} speakers, {mel_all.shape[0]} mel frames "
          f"({mel_all.numel() * 2 / 2 ** 20:.0f} MiB on {dev})", flush=True)
    batches = []   # built at the first step: a resumed run draws batches seeded by its start step

    def next_batch(step):
        if not batches:
            rng = np.random.default_rng([args.seed, step])
            batches.append(FlowBatches(ds, rng, args.frame_budget, args.max_batch, args.max_frames))
        return batches[0].next()
    model = CausalMaskedDiffWithDiT(g)

    def loss_of(m, cpu, mel_src):
        b = {k: v.to(dev, non_blocking=True) for k, v in cpu.items()}
        mel = mel_src[b["mel_index"]].float()                     # [B, 2L, 80]
        return m.training_loss(b["tokens"], b["token_len"], mel, b["spk_emb"], b["prompt_frames"])

    def step_fn(m, step):
        cpu = next_batch(step)
        items = int(cpu["token_len"].sum()) * g.token_mel_ratio   # mel frames, counted on the host
        return loss_of(m, cpu, mel_all), {}, items

    eval_fn = None
    heldout_path = os.path.join(args.work, "data", "heldout.pt")
    if os.path.exists(heldout_path):
        held = Dataset.load(heldout_path, need_mel=True)
        held_mel = held.mel.to(dev)

        def eval_fn(m):
            it = FlowBatches(held, np.random.default_rng(0), args.frame_budget, args.max_batch, args.max_frames,
                             pair_prob=1.0)
            losses = [float(loss_of(m, it.next(), held_mel)) for _ in range(EVAL_BATCHES)]
            return {"loss": sum(losses) / len(losses)}

    trainer.train("flow", args, model, g, step_fn, CausalMaskedDiffWithDiT,
                  args.lr or PEAK_LR, args.warmup_steps or WARMUP_STEPS, eval_fn)


def selftest():
    from cv3.synthetic import write_synthetic_dataset
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(os.path.join(work, "data"))
        write_synthetic_dataset(os.path.join(work, "data", "train.pt"))
        write_synthetic_dataset(os.path.join(work, "data", "heldout.pt"), utterances=6, seed=1)
        common = ["--work", work, "--device", "cpu", "--minutes", "5", "--frame-budget", "1200", "--max-batch", "8",
                  "--max-frames", "200"]
        main(common + ["--max-steps", "5", "--warmup-steps", "2"])
        main(common + ["--max-steps", "7", "--warmup-steps", "2", "--resume"])
        sd = torch.load(os.path.join(work, "model", "flow.pt"), map_location="cpu")
        assert "decoder.estimator.rotary_embed.inv_freq" in sd
        assert sd["input_embedding.weight"].shape == (512, 80), sd["input_embedding.weight"].shape
        assert all(v.dtype == torch.float32 for v in sd.values())
        # the exported flow runs the official inference path (zero-shot call, streaming chunk)
        m = CausalMaskedDiffWithDiT(DEMO_FLOW)
        m.load_state_dict(sd, strict=True)
        m.eval()
        tok, ptok = torch.randint(0, 512, (1, 30)), torch.randint(0, 512, (1, 10))
        mel = m.inference(tok, ptok, torch.randn(1, 20, 80), torch.randn(1, 192), streaming=True, finalize=True)
        assert mel.shape == (1, 80, 60) and torch.isfinite(mel).all(), mel.shape
        print(f"flow selftest ok: {len(sd)} tensors, inference mel {tuple(mel.shape)}")


if __name__ == "__main__":
    main()
