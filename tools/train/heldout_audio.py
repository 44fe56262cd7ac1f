"""Rebuilds the held-out espeak-ng renderings on the development machine, for evaluate.py, without the GPU
machine's 5 GB dataset: reads the run's `sentences.json` (device-run.sh packs it beside the model), renders
every held-out utterance with the carried espeak-ng 1.51 (`.train/`, the same binary and data as the training
run: its output is byte-identical) and writes WORK/data/heldout.pt with the fields evaluate.py reads
(speaker, lang, text, wav int16 at 24 kHz, info.speakers).

    python3 tools/train/heldout_audio.py --sentences /tmp/run/data/sentences.json --work /tmp/eval
"""
import argparse
import concurrent.futures as cf
import json
import os

import torch

import data
import features as fx


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    sents = json.load(open(a.sentences, encoding="utf-8"))
    held = [u for u in sents["utterances"] if u["split"] == "heldout"]
    env = data.espeak_env()
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        raw = list(ex.map(lambda u: data.espeak(u["text"], sents["speakers"][u["spk"]], env), held))
    wavs = []
    for r in raw:
        x = fx.resample(torch.from_numpy(r).float().unsqueeze(0) / 32768.0, data.ESPEAK_SR, fx.SR)[0]
        wavs.append((x.clamp(-1, 1) * 32767.0).round().to(torch.int16))
    out = {"speaker": [u["spk"] for u in held], "lang": [u["lang"] for u in held], "text": [u["text"] for u in held],
           "wav": wavs, "info": {"speakers": sents["speakers"]}}
    os.makedirs(os.path.join(a.work, "data"), exist_ok=True)
    data.atomic_save(out, os.path.join(a.work, "data", "heldout.pt"))
    print(f"{len(held)} held-out utterances rendered into {a.work}/data/heldout.pt")


if __name__ == "__main__":
    main()
