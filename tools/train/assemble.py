"""Assembles the studio's bundled model folder from a trained model folder (development machine).

    python3 tools/train/assemble.py --model /tmp/vs-train/model --out models/cosyvoice3-demo

Copies the weights, the ONNX frontend, the yaml and the BlankEN tokenizer, turns eight of the sixteen training
speakers' held-out prompts (one per accent and gender) into bundled voices
(`voices/<id>/{prompt.wav, prompt.txt, voice.json}`, the layout the Java `BundledVoices` reads), and writes
MODEL_CARD.md (the marker the studio reads). Nothing is trained or changed here.
"""
import argparse
import json
import os
import shutil

# espeak speaker -> (voice id, display name, language); one voice per accent and gender
BUNDLED = [
    ("es-f2", "lucia", "Lucía (es-ES, demo)", "es"),
    ("es-m3", "sergio", "Sergio (es-ES, demo)", "es"),
    ("es419-f1", "camila", "Camila (es-419, demo)", "es"),
    ("es419-m2", "diego", "Diego (es-419, demo)", "es"),
    ("enus-f2", "emily", "Emily (en-US, demo)", "en"),
    ("enus-m1", "james", "James (en-US, demo)", "en"),
    ("engb-f1", "grace", "Grace (en-GB, demo)", "en"),
    ("engb-m4", "oliver", "Oliver (en-GB, demo)", "en"),
]
FILES = ["llm.pt", "flow.pt", "hift.pt", "campplus.onnx", "speech_tokenizer_v3.onnx"]
TOKENIZER = ["config.json", "vocab.json", "merges.txt", "tokenizer_config.json"]

CARD = """---
name: Voice Studio demo (es, en)
languages: es, en
weights: trained
---
# Voice Studio demo model

A small CosyVoice3-architecture model trained by Voice Studio on speech synthesized by espeak-ng 1.51
(Debian) in Spanish (es, es-419) and English (en-us, en-gb), sixteen espeak voice variants, about 22 hours
of audio reading sentences from Debian's `fortunes-es`, `fortunes` and `fortunes-min`. It speaks with
espeak's robotic voices: it demonstrates the pipeline (the same Java code loads it as Fun-CosyVoice3-0.5B),
it is not a natural-sounding voice, and it only knows Spanish and English.

| stage | architecture | size |
|---|---|---|
| text tokenizer | byte-level BPE of our own (`CosyVoice-BlankEN/`), 1024 + the CosyVoice3 special tokens | 1305 ids |
| LLM | `CosyVoice3LM`, Qwen2 256 x 6 layers, 4 heads x 64, 2 KV heads, MLP 768 | {llm_m:.2f} M |
| speech tokens | 512 k-means centroids over 25 Hz whisper log-mel (`speech_tokenizer_v3.onnx`) | |
| flow | `CausalMaskedDiffWithDiT`, DiT 192 x 6, 3 heads x 64 | {flow_m:.2f} M |
| vocoder | `CausalHiFTGenerator`, base channels 128 | {hift_m:.2f} M |
| speaker encoder | small conv net + statistics pooling, 192-dim (`campplus.onnx`) | |

Bundled voices (`voices/`): held-out sentences (never seen in training) read by eight of the training
speakers; a voice made from them belongs to this model only.

Training: `tools/train/` (README there), run on one NVIDIA H200 on {date}; quality figures and spectrograms:
`docs/demo-model.md`.{note}
"""


def param_millions(path):
    import torch
    sd = torch.load(path, map_location="cpu")
    seen, n = set(), 0
    for t in sd.values():
        key = (t.data_ptr(), tuple(t.shape))
        if key not in seen:
            seen.add(key)
            n += t.numel()
    return n / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="trained model folder (device-run.sh's model/)")
    ap.add_argument("--llm", help="take llm.pt from here instead (another checkpoint of the same run)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--date", default="2026-11-30")
    ap.add_argument("--note", default="", help="a paragraph for the card: which checkpoint each stage comes from, and why")
    a = ap.parse_args()
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(os.path.join(a.out, "CosyVoice-BlankEN"))
    for f in FILES:
        src = a.llm if (f == "llm.pt" and a.llm) else os.path.join(a.model, f)
        shutil.copyfile(src, os.path.join(a.out, f))
    # the yaml is the repository's template (tools/train/cosyvoice3-demo.yaml): same sizes as the trained folder's,
    # with the inference-time sampling setting of the demo model (tau_r, see the template's header)
    template = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cosyvoice3-demo.yaml")
    body = lambda path: [l for l in open(path, encoding="utf-8").read().split("# set random seed", 1)[1].splitlines()
                         if not l.strip().startswith("tau_r:")]
    if body(template) != body(os.path.join(a.model, "cosyvoice3.yaml")):
        raise SystemExit(f"{template} and the trained folder's cosyvoice3.yaml differ in more than tau_r: regenerate the template")
    shutil.copyfile(template, os.path.join(a.out, "cosyvoice3.yaml"))
    for f in TOKENIZER:
        shutil.copyfile(os.path.join(a.model, "CosyVoice-BlankEN", f), os.path.join(a.out, "CosyVoice-BlankEN", f))
    meta = {v["name"]: v for v in json.load(open(os.path.join(a.model, "voices", "voices.json"), encoding="utf-8"))}
    for speaker, vid, name, lang in BUNDLED:
        d = os.path.join(a.out, "voices", vid)
        os.makedirs(d)
        shutil.copyfile(os.path.join(a.model, "voices", speaker + ".wav"), os.path.join(d, "prompt.wav"))
        with open(os.path.join(d, "prompt.txt"), "w", encoding="utf-8") as f:
            f.write(meta[speaker]["transcript"].strip() + "\n")
        with open(os.path.join(d, "voice.json"), "w", encoding="utf-8") as f:
            json.dump({"name": name, "language": lang, "espeak": meta[speaker]["espeak"]}, f, ensure_ascii=False, indent=1)
            f.write("\n")
    with open(os.path.join(a.out, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(CARD.format(llm_m=param_millions(os.path.join(a.out, "llm.pt")),
                            flow_m=param_millions(os.path.join(a.out, "flow.pt")),
                            hift_m=param_millions(os.path.join(a.out, "hift.pt")), date=a.date,
                            note=("\n\n" + a.note.strip()) if a.note else ""))
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(a.out) for f in fs)
    print(f"assembled {a.out}: {total / 1e6:.1f} MB, {len(BUNDLED)} voices")


if __name__ == "__main__":
    main()
