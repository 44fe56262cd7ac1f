"""The wall-clock-budgeted training loop shared by train_llm.py and train_flow.py.

AdamW, linear warmup then cosine decay over the wall-clock budget (floor 10 % of the peak), bf16 autocast
on CUDA, gradient clipping, fixed seeds, a checkpoint (weights + optimizer + step + elapsed time) every
60 s and at the end, --resume, then the official-layout float32 state dict exported and reloaded strictly.
"""
import argparse
import math
import os
import random
import time
from dataclasses import asdict

import numpy as np
import torch

CKPT_EVERY_S = 60.0
EXPORT_RESERVE_S = 5.0        # the final checkpoint + export + strict reload of these small models
LOG_EVERY_S = 20.0
PROCESS_START = time.time()   # --minutes counts from here: data loading and CUDA start-up are part of a run


def arg_parser(stage, description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--work", help="work dir: reads data/train.pt, writes ckpt/%s.pt and model/%s.pt" % (stage, stage))
    ap.add_argument("--minutes", type=float, default=10.0,
                    help="wall-clock budget of THIS run, from process start (loading included) to the export")
    ap.add_argument("--total-minutes", type=float, default=None,
                    help="training time the LR schedule spans across resumed runs (default: it ends with this run); "
                         "training also stops once the checkpoint has this much")
    ap.add_argument("--resume", action="store_true", help="continue from ckpt/%s.pt" % stage)
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--max-steps", type=int, default=None, help="stop after this many steps in total")
    ap.add_argument("--seed", type=int, default=1986)
    ap.add_argument("--lr", type=float, default=None, help="peak learning rate")
    ap.add_argument("--warmup-steps", type=int, default=None)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--selftest", action="store_true",
                    help="CPU smoke test: synthetic dataset in a temp dir, 5 steps, export, strict reload, resume")
    ap.add_argument("--bench-seconds", type=float, default=None,
                    help="throughput bench: train this long on a random dataset of realistic lengths (use --device)")
    return ap


def bench(main, device, seconds, extra=()):
    """Runs the trainer `seconds` on 4000 random utterances of 2..10 s (random tokens/mels: speed only)."""
    import tempfile
    from .synthetic import write_synthetic_dataset
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(os.path.join(work, "data"))
        write_synthetic_dataset(os.path.join(work, "data", "train.pt"), utterances=4000, speakers=16, text_vocab=1100,
                                min_tokens=50, max_tokens=250)
        main(["--work", work, "--device", device, "--minutes", str(seconds / 60.0), *extra])


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def lr_at(peak, warmup_steps, step, frac):
    """Linear warmup over steps, then cosine over the fraction of the wall-clock budget spent, floor 0.1 peak."""
    warm = min(1.0, (step + 1) / max(1, warmup_steps))
    cos = 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, max(0.0, frac))))
    return peak * warm * cos


def make_optimizer(model, lr, weight_decay):
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        if p.requires_grad:
            (decay if p.ndim >= 2 else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    kw = {"fused": True} if (torch.__version__ >= "2" and next(model.parameters()).is_cuda) else {}
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.98), eps=1e-8, **kw)


def atomic_save(obj, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def run_eval(stage, model, eval_fn, step):
    if eval_fn is None:
        return
    was = model.training
    model.eval()
    dev = next(model.parameters()).device
    state = random.getstate()
    with torch.no_grad(), torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(0)
        random.seed(0)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16) if dev.type == "cuda" else _null():
            metrics = eval_fn(model)
    random.setstate(state)
    model.train(was)
    print(f"[{stage}] held-out at step {step}: " + " ".join(f"{k} {v:.4f}" for k, v in metrics.items()), flush=True)


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def train(stage, args, model, geometry, step_fn, build_fresh, peak_lr, warmup_steps, eval_fn=None):
    """step_fn(model, step) -> (loss tensor, dict of metric tensors, items processed as a python int);
    build_fresh(geometry) -> a new module for the strict reload check of the export;
    eval_fn(model) -> dict of floats (held-out metrics), run at each checkpoint and at the end."""
    dev = torch.device(args.device)
    ckpt_path = os.path.join(args.work, "ckpt", f"{stage}.pt")
    model_path = os.path.join(args.work, "model", f"{stage}.pt")
    model.to(dev).train()
    opt = make_optimizer(model, peak_lr, args.weight_decay)
    step, elapsed_before = 0, 0.0
    if args.resume:
        if not os.path.exists(ckpt_path):
            raise FileNotFoundError(f"--resume: no checkpoint at {ckpt_path}")
        ck = torch.load(ckpt_path, map_location=dev, weights_only=False)
        if ck["geometry"] != asdict(geometry):
            raise ValueError(f"checkpoint geometry {ck['geometry']} differs from this run's {asdict(geometry)}")
        model.load_state_dict(ck["model"], strict=True)
        opt.load_state_dict(ck["optimizer"])
        step, elapsed_before = ck["step"], ck["elapsed_s"]
        print(f"[{stage}] resumed from {ckpt_path} at step {step}, {elapsed_before / 60:.1f} min trained", flush=True)
    seed_all(args.seed + step)   # a resumed run draws new (but fixed) batches
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))   # three trainers share the device host
    end_at = PROCESS_START + args.minutes * 60.0 - EXPORT_RESERVE_S
    total = args.total_minutes * 60.0 if args.total_minutes else None
    schedule = total if total else elapsed_before + max(1.0, end_at - time.time())
    use_amp = dev.type == "cuda"
    if use_amp:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    def save_ckpt(elapsed):
        atomic_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "elapsed_s": elapsed,
                     "geometry": asdict(geometry)}, ckpt_path)

    t0 = time.time()
    last_log = last_ckpt = t0
    acc_loss, acc_n, acc_items, acc_metrics = 0.0, 0, 0, {}
    print(f"[{stage}] {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters, device {dev}, "
          f"this run {max(0.0, end_at - t0) / 60:.2f} min of training, schedule {schedule / 60:.2f} min, peak lr {peak_lr}",
          flush=True)
    while True:
        now = time.time()
        elapsed = elapsed_before + (now - t0)
        if now >= end_at or (total and elapsed >= total) or (args.max_steps is not None and step >= args.max_steps):
            break
        lr = lr_at(peak_lr, warmup_steps, step, elapsed / schedule)
        for gr in opt.param_groups:
            gr["lr"] = lr
        if use_amp:
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                loss, metrics, items = step_fn(model, step)
        else:
            loss, metrics, items = step_fn(model, step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        step += 1
        acc_loss += loss.detach().float()   # stays on the device: no sync per step
        acc_n += 1
        acc_items += items
        for k, v in metrics.items():
            acc_metrics[k] = acc_metrics.get(k, 0.0) + v.detach().float()
        now = time.time()
        if now - last_log >= LOG_EVERY_S or step == 1 or (args.max_steps is not None and step >= args.max_steps):
            extra = " ".join(f"{k} {float(v) / acc_n:.4f}" for k, v in acc_metrics.items())
            print(f"[{stage}] step {step} {(elapsed_before + now - t0) / 60:.2f} min loss {float(acc_loss) / acc_n:.4f} {extra} "
                  f"lr {lr:.2e} gnorm {float(gnorm):.2f} {acc_items / max(1e-9, now - last_log):.0f} items/s", flush=True)
            last_log, acc_loss, acc_n, acc_items, acc_metrics = now, 0.0, 0, 0, {}
        if now - last_ckpt >= CKPT_EVERY_S:
            save_ckpt(elapsed_before + now - t0)
            last_ckpt = now
            run_eval(stage, model, eval_fn, step)
    save_ckpt(elapsed_before + time.time() - t0)
    run_eval(stage, model, eval_fn, step)
    sd = model.export_state_dict()
    atomic_save(sd, model_path)
    fresh = build_fresh(geometry)
    fresh.load_state_dict(torch.load(model_path, map_location="cpu"), strict=True)
    print(f"[{stage}] done: {step} steps; checkpoint {ckpt_path}; exported {len(sd)} float32 tensors to {model_path} "
          f"(reloaded strictly)", flush=True)
    return model_path
