#!/usr/bin/env python3
"""Golden check of tools/train/cv3/hift.py: builds CausalHiFTGenerator with the cv3-tiny sizes,
loads /work/shared/golden/cv3-tiny/hift.pt STRICTLY and reproduces the official hift_* tensors of
golden.safetensors (F0 in float64, source, sine waves, source STFT, conv_post, waveform; final and
non-final calls) with the exported fixed noise (hift_sine_noise, hift_rand_ini).

    /usr/bin/python3 tools/train/check_golden_hift.py [--golden DIR]

Exit status 0 iff every comparison is within its tolerance.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cv3.hift import CV3_TINY_HIFT, CausalHiFTGenerator  # noqa: E402
import safetensors_np  # noqa: E402

# Tolerances (max |ours - golden| / max(|golden|), unless absolute is said)
F0_TOL = 1e-9            # float64 F0: same ops in float64, only summation-order noise
SOURCE_TOL = 1e-5        # float32 phase is a cumsum of ~1e4 rad (1 ulp ~ 1e-3 rad); observed ~2e-7
SINE_TOL = 1e-5          # same phase argument for the 9 sine waves; observed ~1.5e-7
STFT_TOL = 1e-5          # 16-point STFT of the source (inherits the source error); observed ~2e-7
CONV_POST_TOL = 1e-5     # float32 decoder (conv + snake stack); observed ~8e-7
WAVE_TOL = 3e-5          # after exp / iSTFT / clamp 0.99 (exp amplifies); observed ~3e-6
MEL_BASIS_TOL = 1e-6     # our Slaney mel filterbank vs librosa's (used by the training mel loss)
MEL_TOL = 1e-5           # linear mel (exp of the log-mel) of the test chirp, relative to its maximum: the
                         # log of near-silent bins (~1e-5) amplifies float32 STFT rounding (float64 differs
                         # from golden by 6e-3 there), so the check is in the linear domain

def rel_err(ours, ref):
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        raise AssertionError(f"shape {ours.shape} != golden {ref.shape}")
    return float(np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-30)), float(np.max(np.abs(ours - ref)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", default=None, help="cv3-tiny folder (default: /work/shared/golden/cv3-tiny, else "
                    "<repo>/shared/golden/cv3-tiny or <repo>/.device/golden/cv3-tiny as staged for the GPU machine)")
    args = ap.parse_args()
    if args.golden is None:
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        candidates = ["/work/shared/golden/cv3-tiny", os.path.join(repo, "shared", "golden", "cv3-tiny"),
                      os.path.join(repo, ".device", "golden", "cv3-tiny")]
        found = [c for c in candidates if os.path.exists(os.path.join(c, "golden.safetensors"))]
        if not found:
            ap.error(f"no cv3-tiny golden folder found (tried {candidates}); pass --golden DIR")
        args.golden = found[0]
    print(f"golden: {args.golden}")
    torch.set_num_threads(1)
    g = safetensors_np.read(os.path.join(args.golden, "golden.safetensors"))

    model = CausalHiFTGenerator(CV3_TINY_HIFT)
    sd = torch.load(os.path.join(args.golden, "hift.pt"), map_location="cpu")
    missing, unexpected = model.load_state_dict(sd, strict=True)
    assert not missing and not unexpected
    ours_keys = set(model.state_dict().keys())
    assert ours_keys == set(sd.keys()), "state-dict key sets differ"
    for k, v in model.state_dict().items():
        assert tuple(v.shape) == tuple(sd[k].shape), f"{k}: {tuple(v.shape)} vs {tuple(sd[k].shape)}"
    model.eval()

    noise = torch.from_numpy(g["hift_sine_noise"])          # [1, 48000, 9]
    rand_ini = torch.from_numpy(g["hift_rand_ini"])          # [1, 9]
    window_err = rel_err(model.stft_window.numpy(), g["hift_stft_window"])

    results = []

    def check(name, ours, tol):
        rel, ab = rel_err(ours, g[name])
        ok = rel <= tol
        results.append(ok)
        print(f"{'OK ' if ok else 'BAD'} {name:22s} rel {rel:.3e} (abs {ab:.3e}) tol {tol:.0e}")

    print(f"{'OK ' if window_err[0] == 0 else 'BAD'} hift_stft_window       rel {window_err[0]:.3e}")
    results.append(window_err[0] == 0)

    mel_a = torch.from_numpy(g["flow_ns_mel"])               # [1, 80, 100]
    mel_b = torch.from_numpy(g["hift_rand_mel"])             # [1, 80, 40]
    with torch.no_grad():
        ta = model.inference(mel_a, noise, rand_ini, finalize=True, trace=True)
        check("hift_a_f0", ta["f0"].numpy(), F0_TOL)
        check("hift_a_sine_waves", ta["sine_waves"].numpy(), SINE_TOL)
        check("hift_a_source", ta["source"].numpy(), SOURCE_TOL)
        check("hift_a_stft", ta["stft"].numpy(), STFT_TOL)
        check("hift_a_conv_post", ta["conv_post"].numpy(), CONV_POST_TOL)
        check("hift_a_wave", ta["wave"].numpy(), WAVE_TOL)
        tb = model.inference(mel_b, noise, rand_ini, finalize=True, trace=True)
        check("hift_b_f0", tb["f0"].numpy(), F0_TOL)
        check("hift_b_source", tb["source"].numpy(), SOURCE_TOL)
        check("hift_b_wave", tb["wave"].numpy(), WAVE_TOL)
        tc = model.inference(mel_a, noise, rand_ini, finalize=False, trace=True)
        check("hift_c_f0", tc["f0"].numpy(), F0_TOL)
        check("hift_c_source", tc["source"].numpy(), SOURCE_TOL)
        check("hift_c_wave", tc["wave"].numpy(), WAVE_TOL)
        td = model.inference(mel_b, noise, rand_ini, finalize=False, trace=True)
        check("hift_d_f0", td["f0"].numpy(), F0_TOL)
        check("hift_d_wave", td["wave"].numpy(), WAVE_TOL)

    # the training mel loss uses our Matcha mel: it must be the data's / Java's mel
    from train_hift import MatchaMel
    mm = MatchaMel()
    rel, ab = rel_err(mm.basis.numpy(), g["fe_mel_basis_24k"])
    ok = ab <= MEL_BASIS_TOL
    results.append(ok)
    print(f"{'OK ' if ok else 'BAD'} fe_mel_basis_24k       rel {rel:.3e} (abs {ab:.3e}) tol {MEL_BASIS_TOL:.0e} abs")
    with torch.no_grad():
        mel = mm(torch.from_numpy(g["fe_wave_24k"]))          # [1, 80, T]
    rel, ab = rel_err(np.exp(mel.transpose(1, 2).numpy()), np.exp(g["fe_mel_24k"]))
    ok = rel <= MEL_TOL
    results.append(ok)
    print(f"{'OK ' if ok else 'BAD'} fe_mel_24k (linear)    rel {rel:.3e} (abs {ab:.3e}) tol {MEL_TOL:.0e}")

    print(f"torch {torch.__version__}: {sum(results)}/{len(results)} within tolerance")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
