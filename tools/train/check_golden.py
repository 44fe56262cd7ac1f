#!/usr/bin/env python3
"""Parity of our PyTorch CosyVoice3 modules with the official code on the cv3-tiny golden fixture.

  python3 tools/train/check_golden.py llm|flow [--golden DIR]

Builds the module with the cv3-tiny sizes, loads <stage>.pt strictly and reproduces the golden tensors
(golden.md). fp32 on CPU, explicit (non-fused) attention. Exits 1 when any tensor is off tolerance.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cv3.flow import CausalMaskedDiffWithDiT  # noqa: E402
from cv3.geometry import CV3_TINY_FLOW, CV3_TINY_LLM  # noqa: E402
from cv3.llm import CosyVoice3LM  # noqa: E402
import safetensors_np  # noqa: E402



def default_golden():
    """The first shared/golden/cv3-tiny (the Java Golden helper's convention) or .device/golden/cv3-tiny (what
    prepare-device.sh stages for the GPU machine) found walking up from this file."""
    d = os.path.dirname(os.path.abspath(__file__))
    while True:
        for cand in (os.path.join(d, "shared", "golden", "cv3-tiny"), os.path.join(d, ".device", "golden", "cv3-tiny")):
            if os.path.isdir(cand):
                return cand
        if os.path.dirname(d) == d:
            return None
        d = os.path.dirname(d)


# fp32 reimplementation of the same ops in possibly different order: relative to max |ref|.
HIDDEN_TOL = 1e-5      # one transformer pass
LOGP_TOL = 1e-5        # log-softmax over 6761 entries
FLOW_STEP_TOL = 1e-5   # one DiT call
FLOW_MEL_TOL = 1e-4    # 10 chained Euler steps (errors accumulate through the CFG combination)
TIME_TOL = 2e-7        # the cosine time grid: at most one float32 ulp (another device's cos may round differently)

OPTS = {"fused": False, "device": "cpu"}

failures = []


def compare(name, ours, ref, tol):
    ours = ours.detach().double().cpu().numpy()
    ref = np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        failures.append(name)
        print(f"FAIL {name}: shape {ours.shape} != golden {ref.shape}")
        return
    err = float(np.abs(ours - ref).max())
    scale = max(float(np.abs(ref).max()), 1e-12)
    ok = err <= tol * scale
    if not ok:
        failures.append(name)
    print(f"{'ok  ' if ok else 'FAIL'} {name:26s} max|err| {err:.3e}  rel {err / scale:.3e}  (tol {tol:g} rel, max|ref| {scale:.3g})")


def check_llm(gdir, g):
    model = CosyVoice3LM(CV3_TINY_LLM)
    model.load_state_dict(torch.load(os.path.join(gdir, "llm.pt"), map_location="cpu"), strict=True)
    model.to(OPTS["device"]).eval()
    t = lambda n: torch.from_numpy(g[n]).long().to(OPTS["device"])
    with torch.no_grad():
        text = torch.cat([t("llm_prompt_text"), t("llm_text")], dim=1)
        emb = model.prefill_embeds(text, t("llm_prompt_speech_token"))
        compare("llm_prefill_emb", emb, g["llm_prefill_emb"], 0.0)
        cache = model.new_cache()
        h = model.hidden(emb, cache=cache, start=0, fused=OPTS["fused"])[:, -1]
        compare("llm_prefill_hidden", h, g["llm_prefill_hidden"], HIDDEN_TOL)
        compare("llm_prefill_logp", model.log_probs(h), g["llm_prefill_logp"], LOGP_TOL)
        pos = emb.shape[1]
        hs = []
        for tok in t("llm_teacher_tokens").tolist():
            x = model.speech_embedding.weight[tok].reshape(1, 1, -1)
            hs.append(model.hidden(x, cache=cache, start=pos, fused=OPTS["fused"])[:, -1])
            pos += 1
        hs = torch.cat(hs, dim=0)
        compare("llm_step_hidden", hs, g["llm_step_hidden"], HIDDEN_TOL)
        compare("llm_step_logp", model.log_probs(hs), g["llm_step_logp"], LOGP_TOL)
        # the training path (one causal pass over prefill + teacher tokens) equals the cached decode
        full = torch.cat([emb, model.speech_embedding(t("llm_teacher_tokens")).unsqueeze(0)], dim=1)
        hf = model.hidden(full, fused=OPTS["fused"])[0, emb.shape[1]:]
        compare("llm_step_hidden(1 pass)", hf, g["llm_step_hidden"], HIDDEN_TOL)


def check_flow(gdir, g):
    model = CausalMaskedDiffWithDiT(CV3_TINY_FLOW)
    model.load_state_dict(torch.load(os.path.join(gdir, "flow.pt"), map_location="cpu"), strict=True)
    model.to(OPTS["device"]).eval()
    f = lambda n: torch.from_numpy(g[n]).float().to(OPTS["device"])
    i = lambda n: torch.from_numpy(g[n]).long().to(OPTS["device"])
    est = model.decoder.estimator
    with torch.no_grad():
        compare("flow_rand_noise", model.decoder.rand_noise(124, OPTS["device"], torch.float32), g["flow_rand_noise"], 0.0)
        for pre, streaming in (("flow_est", False), ("flow_st1_est", True)):
            out = est(f(pre + "_x"), f(pre + "_mask"), f(pre + "_mu"), f(pre + "_t"), f(pre + "_spks"),
                      f(pre + "_cond"), streaming=streaming, fused=OPTS["fused"])
            compare(pre + "_out", out, g[pre + "_out"], FLOW_STEP_TOL)

        steps = {"x": [], "out": [], "t": []}

        def observer(k, t, x, out, inputs):
            steps["x"].append(x[0]); steps["out"].append(out); steps["t"].append(t[0])

        trace = {"observer": observer}
        mel = model.inference(i("flow_token"), i("flow_prompt_token"), f("flow_prompt_feat"), f("flow_embedding"),
                              streaming=False, finalize=True, trace=trace, fused=OPTS["fused"])
        compare("flow_ns_spks", trace["spks"], g["flow_ns_spks"], FLOW_STEP_TOL)
        compare("flow_ns_token_emb", trace["token_emb"], g["flow_ns_token_emb"], 0.0)
        compare("flow_ns_h", trace["h"], g["flow_ns_h"], FLOW_STEP_TOL)
        compare("flow_ns_mu", trace["mu"], g["flow_ns_mu"], FLOW_STEP_TOL)
        compare("flow_ns_cond", trace["cond"], g["flow_ns_cond"], 0.0)
        compare("flow_ns_mask", trace["mask"], g["flow_ns_mask"], 0.0)
        compare("flow_ns_t", torch.stack(steps["t"]), g["flow_ns_t"], TIME_TOL)
        compare("flow_ns_x_steps", torch.stack(steps["x"]), g["flow_ns_x_steps"], FLOW_MEL_TOL)
        compare("flow_ns_est_out_steps", torch.stack(steps["out"]), g["flow_ns_est_out_steps"], FLOW_MEL_TOL)
        compare("flow_ns_x_final", trace["x_final"], g["flow_ns_x_final"], FLOW_MEL_TOL)
        compare("flow_ns_mel", mel, g["flow_ns_mel"], FLOW_MEL_TOL)

        # the streaming scheduler trace: one row per token2wav call = [tokens, token_offset, stream, finalize]
        for k, (n, _, stream, fin) in enumerate(g["e2e_st_calls"].tolist(), start=1):
            mel_k = model.inference(i("flow_token")[:, :n], i("flow_prompt_token"), f("flow_prompt_feat"),
                                    f("flow_embedding"), streaming=bool(stream), finalize=bool(fin), fused=OPTS["fused"])
            compare(f"e2e_st{k}_flow_mel", mel_k, g[f"e2e_st{k}_flow_mel"], FLOW_MEL_TOL)
        mel1 = model.inference(i("flow_token")[:, :41], i("flow_prompt_token"), f("flow_prompt_feat"),
                               f("flow_embedding"), streaming=True, finalize=False, fused=OPTS["fused"])
        compare("flow_st1_mel", mel1, g["flow_st1_mel"], FLOW_MEL_TOL)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["llm", "flow"])
    ap.add_argument("--golden", default=default_golden(), help="cv3-tiny fixture folder (default: shared/golden/cv3-tiny above)")
    ap.add_argument("--fused", action="store_true",
                    help="use F.scaled_dot_product_attention (torch >= 2, the training path) instead of explicit attention")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (fp32, TF32 off)")
    a = ap.parse_args()
    OPTS.update(fused=a.fused, device=a.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"torch {torch.__version__}, device {a.device}, attention {'fused SDPA' if a.fused else 'explicit'}")
    if not a.golden or not os.path.isdir(a.golden):
        sys.exit("cv3-tiny golden fixture not found; pass --golden DIR")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    g = safetensors_np.read(os.path.join(a.golden, "golden.safetensors"))
    {"llm": check_llm, "flow": check_flow}[a.stage](a.golden, g)
    if failures:
        print(f"{len(failures)} tensor(s) off tolerance: {', '.join(failures)}")
        sys.exit(1)
    print(f"{a.stage}: all golden tensors within tolerance")


if __name__ == "__main__":
    main()
