"""Evaluate the demo model against espeak-ng on held-out sentences: MCD (DTW-aligned) and
spectrogram comparisons.

    # 1. plan: voice prompts + the synthesis commands for the Java studio
    python3 tools/train/evaluate.py --work DIR --model DIR/model --plan [--per-voice 3]
    #    -> DIR/eval/prompts/<speaker>.wav, DIR/eval/plan.tsv, DIR/eval/synth.sh
    # 2. synthesize: bash DIR/eval/synth.sh   (./studio synth per item -> DIR/eval/synth/<item>.wav)
    # 3. score (and: --voices OUT writes the bundled voice prompts, wav + transcript per speaker)
    python3 tools/train/evaluate.py --work DIR [--synth DIR/eval/synth]
    #    -> DIR/eval/mcd.md, DIR/eval/png/<item>.png

Per speaker, the voice prompt is that speaker's espeak-ng rendering of one held-out sentence (the
transcript is the prompt text, as a bundled voice); the targets are other held-out sentences of
its language, compared with the same speaker's espeak-ng rendering of them (heldout.pt). Held-out
sentences never occur in training.

MCD: 13 mel-cepstral coefficients c1..c13 (c0, the energy, excluded) = c_k = 1/80 sum_m ln S(m)
cos(pi k (m + 1/2) / 80) of the 80-bin Matcha log-mel (features.matcha_mel, the model's own mel;
natural log of the amplitude, i.e. the cepstrum of the mel-warped log spectrum), frames aligned
by DTW on the same cepstral distance; MCD = 10/ln(10) * sqrt(2 * sum_d (c_d - c'_d)^2), averaged
over the DTW path. It is an MFCC-style MCD: comparable between our runs, not with SPTK mcep
MCDs of the literature.
"""
import argparse
import json
import math
import os
import shlex
import sys
import wave

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features as fx  # noqa: E402

N_CEPS = 13
MCD_SCALE = 10.0 / math.log(10.0) * math.sqrt(2.0)


def write_wav(path, pcm16, sr=fx.SR):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(np.asarray(pcm16, dtype="<i2").tobytes())


def read_wav(path):
    """-> float32 mono [-1, 1] at 24 kHz (16-bit PCM or float WAV)."""
    with wave.open(path, "rb") as w:
        sr, ch, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        data = w.readframes(n)
    if width == 2:
        x = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        x = np.frombuffer(data, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError(f"{path}: {8 * width}-bit samples; expected 16- or 32-bit PCM")
    x = x.reshape(-1, ch).mean(axis=1)
    t = torch.from_numpy(x.copy())
    return fx.resample(t, sr, fx.SR) if sr != fx.SR else t


def cepstrum(wav24):
    """[N] -> [T, 13]: c1..c13 of the log-mel frames (cepstrum on the mel scale)."""
    mel = fx.matcha_mel(wav24.unsqueeze(0))[0].double()      # [80, T]
    n = mel.shape[0]
    k = torch.arange(1, N_CEPS + 1, dtype=torch.float64)[:, None]
    m = torch.arange(n, dtype=torch.float64)[None, :]
    # c_k = 1/N sum_m ln|S(m)| cos(pi k (m + 1/2) / N): the cepstrum of the mel-warped log
    # amplitude spectrum (ln|S| ~ c0 + 2 sum_k c_k cos(k w)), the quantity mcep estimates
    dct = torch.cos(math.pi / n * (m + 0.5) * k) / n                     # [13, 80]
    return (dct @ mel).T.numpy()                              # [T, 13]


def dtw_mcd(a, b):
    """Mean MCD over the DTW path of cepstra a [Ta, D], b [Tb, D] -> (mcd dB, path length)."""
    cost = MCD_SCALE * np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))   # [Ta, Tb]
    Ta, Tb = cost.shape
    acc = np.full((Ta + 1, Tb + 1), np.inf)
    steps = np.zeros((Ta + 1, Tb + 1), dtype=np.int64)
    acc[0, 0] = 0.0
    for i in range(1, Ta + 1):
        row, prev = acc[i], acc[i - 1]
        srow, sprev = steps[i], steps[i - 1]
        c = cost[i - 1]
        for j in range(1, Tb + 1):
            d, s = prev[j - 1], sprev[j - 1]
            if prev[j] < d:
                d, s = prev[j], sprev[j]
            if row[j - 1] < d:
                d, s = row[j - 1], srow[j - 1]
            row[j] = d + c[j - 1]
            srow[j] = s + 1
    return acc[Ta, Tb] / steps[Ta, Tb], int(steps[Ta, Tb])


def plan(work, model, per_voice, studio):
    d = torch.load(os.path.join(work, "data", "heldout.pt"))
    speakers = d["info"]["speakers"]
    out = os.path.join(work, "eval")
    os.makedirs(os.path.join(out, "prompts"), exist_ok=True)
    os.makedirs(os.path.join(out, "synth"), exist_ok=True)
    rows, cmds = [], ["#!/usr/bin/env bash", "# Synthesis of the evaluation items with the Java studio (evaluate.py --plan).", "set -euo pipefail"]
    for k, spk in enumerate(speakers):
        mine = [i for i, s in enumerate(d["speaker"]) if s == k]
        if len(mine) < 2:
            continue
        p = choose_prompt(d, mine)
        mine = [i for i in mine if i != p]
        pwav = os.path.join(out, "prompts", f"{spk['name']}.wav")
        write_wav(pwav, d["wav"][p].numpy())
        for t in mine[:per_voice]:
            item = f"{spk['name']}__{t}"
            rows.append((item, spk["name"], str(p), str(t), d["text"][p], d["text"][t]))
            cmds.append(" ".join(shlex.quote(x) for x in [studio, "synth", "--model", model, "--prompt-wav", pwav,
                                                            "--prompt-text", d["text"][p], "--text", d["text"][t],
                                                            "--out", os.path.join(out, "synth", item + ".wav")]))
    with open(os.path.join(out, "plan.tsv"), "w", encoding="utf-8") as f:
        f.write("item\tspeaker\tprompt_index\ttarget_index\tprompt_text\ttarget_text\n")
        f.writelines("\t".join(r) + "\n" for r in rows)
    with open(os.path.join(out, "synth.sh"), "w", encoding="utf-8") as f:
        f.write("\n".join(cmds) + "\n")
    print(f"{len(rows)} items for {len(speakers)} speakers: {out}/plan.tsv, {out}/synth.sh, prompts in {out}/prompts")


PROMPT_SECONDS = (4.0, 9.0)   # preferred voice-prompt length (the studio accepts 3..30 s)


def choose_prompt(d, mine):
    """The held-out utterance of a speaker used as its voice prompt: the first whose length lies in
    PROMPT_SECONDS, else the longest."""
    for i in mine:
        if PROMPT_SECONDS[0] <= d["wav"][i].numel() / fx.SR <= PROMPT_SECONDS[1]:
            return i
    return max(mine, key=lambda i: d["wav"][i].numel())


def export_voices(work, out):
    """Bundled voice prompts: per speaker <name>.wav (24 kHz int16) + <name>.txt (transcript) and
    voices.json (name, language, transcript, espeak voice). Held-out sentences only."""
    d = torch.load(os.path.join(work, "data", "heldout.pt"))
    os.makedirs(out, exist_ok=True)
    meta = []
    for k, spk in enumerate(d["info"]["speakers"]):
        mine = [i for i, s in enumerate(d["speaker"]) if s == k]
        if not mine:
            continue
        p = choose_prompt(d, mine)
        write_wav(os.path.join(out, spk["name"] + ".wav"), d["wav"][p].numpy())
        with open(os.path.join(out, spk["name"] + ".txt"), "w", encoding="utf-8") as f:
            f.write(d["text"][p] + "\n")
        meta.append({"name": spk["name"], "language": spk["lang"], "transcript": d["text"][p],
                     "seconds": round(d["wav"][p].numel() / fx.SR, 2),
                     "espeak": f"{spk['voice']}+{spk['variant']} -s {spk['wpm']} -p {spk['pitch']}"})
    with open(os.path.join(out, "voices.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
    print(f"{len(meta)} voice prompts in {out}")


def spectrogram_png(path, ref, syn, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 1, figsize=(10, 5), sharex=False)
    for ax, w, name in ((axes[0], ref, "espeak-ng"), (axes[1], syn, "demo model")):
        m = fx.matcha_mel(w.unsqueeze(0))[0].numpy()
        ax.imshow(m, origin="lower", aspect="auto", vmin=-11.5, vmax=max(2.0, float(m.max())), cmap="magma",
                  extent=(0, m.shape[1] * fx.HOP / fx.SR, 0, m.shape[0]))
        ax.set_ylabel(f"{name}\nmel bin")
    axes[1].set_xlabel("seconds")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def score(work, synth_dir):
    d = torch.load(os.path.join(work, "data", "heldout.pt"))
    out = os.path.join(work, "eval")
    os.makedirs(os.path.join(out, "png"), exist_ok=True)
    with open(os.path.join(out, "plan.tsv"), encoding="utf-8") as f:
        rows = [l.rstrip("\n").split("\t") for l in f][1:]
    results, missing = [], []
    for item, spk, p, t, ptext, ttext in rows:
        path = os.path.join(synth_dir, item + ".wav")
        if not os.path.exists(path):
            missing.append(item)
            continue
        syn = read_wav(path)
        ref = d["wav"][int(t)].float() / 32768.0
        mcd, n = dtw_mcd(cepstrum(ref), cepstrum(syn))
        results.append((spk, item, mcd, syn.numel() / ref.numel(), ttext))
        spectrogram_png(os.path.join(out, "png", item + ".png"), ref, syn, f"{item}: {ttext}  (MCD {mcd:.2f} dB)")
    if not results:
        sys.exit(f"no synthesized wavs found in {synth_dir} for the {len(rows)} planned items (run {out}/synth.sh)")
    by_spk = {}
    for r in results:
        by_spk.setdefault(r[0], []).append(r)
    lines = ["# Demo model vs espeak-ng on held-out sentences", "",
             f"MCD: {N_CEPS} coefficients c1..c{N_CEPS}, c_k = 1/80 sum_m ln S(m) cos(pi k (m+1/2)/80) of the 80-bin Matcha log-mel (c0 excluded),",
             "DTW-aligned, 10/ln10*sqrt(2*sum d^2) dB averaged over the path; duration ratio = synthesized / espeak-ng length.",
             f"Items: {len(results)} scored, {len(missing)} missing.", "",
             "| speaker | items | mean MCD (dB) | mean duration ratio |", "|---|---|---|---|"]
    for spk, rs in by_spk.items():
        lines.append(f"| {spk} | {len(rs)} | {np.mean([r[2] for r in rs]):.2f} | {np.mean([r[3] for r in rs]):.2f} |")
    lines.append(f"| **all** | {len(results)} | {np.mean([r[2] for r in results]):.2f} | {np.mean([r[3] for r in results]):.2f} |")
    lines += ["", "| item | MCD (dB) | duration ratio | text |", "|---|---|---|---|"]
    lines += [f"| {r[1]} ([png](png/{r[1]}.png)) | {r[2]:.2f} | {r[3]:.2f} | {r[4]} |" for r in results]
    if missing:
        lines += ["", "Missing: " + ", ".join(missing)]
    with open(os.path.join(out, "mcd.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:8 + len(by_spk) + 1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--model", help="model folder for the synthesis commands (default WORK/model)")
    ap.add_argument("--plan", action="store_true", help="write prompts, plan.tsv and synth.sh")
    ap.add_argument("--per-voice", type=int, default=3)
    ap.add_argument("--studio", default=os.path.join(fx.__file__.rsplit("/tools/", 1)[0], "studio"))
    ap.add_argument("--voices", metavar="OUT", help="write the bundled voice prompts (wav + transcript per speaker) to OUT and exit")
    ap.add_argument("--synth", help="folder of synthesized wavs named <item>.wav (default WORK/eval/synth)")
    a = ap.parse_args()
    if a.voices:
        export_voices(a.work, a.voices)
    elif a.plan:
        plan(a.work, os.path.abspath(a.model or os.path.join(a.work, "model")), a.per_voice, a.studio)
    else:
        score(a.work, a.synth or os.path.join(a.work, "eval", "synth"))


if __name__ == "__main__":
    main()
