"""Check the exported campplus.onnx / speech_tokenizer_v3.onnx with the JAVA frontend: for a few
held-out utterances, write the stored 24 kHz audio as a wav, let CheckOnnxFrontend.java compute
tokens and embedding exactly as the studio does for a voice prompt (its own resampler, whisper
log-mel, Kaldi fbank, ONNX Runtime), and compare with the dataset's tokens and embeddings
(computed by data.py in PyTorch).

    python3 tools/train/check_frontend.py --work DIR --classpath CP [--n 6]
"""
import argparse
import os
import subprocess
import sys
import wave

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
JAVA = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64") + "/bin/java"
# (-Xss8m: ONNX Runtime session creation overflows the default main-thread stack: SIGSEGV.)
# Tokens: nearest-centroid decisions can flip where two centroids are almost equidistant and the
# two feature implementations differ by float rounding (~1e-5): allow 2 % of tokens.
TOKEN_MISMATCH_TOL = 0.02
# Embedding: float32 features through a conv net, different FFTs: relative L2 error.
EMB_REL_TOL = 1e-3


def write_wav(path, pcm16, sr=24000):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(np.asarray(pcm16, dtype="<i2").tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--classpath", required=True)
    ap.add_argument("--n", type=int, default=6)
    a = ap.parse_args()
    d = torch.load(os.path.join(a.work, "data", "heldout.pt"))
    ok = True
    for i in range(min(a.n, len(d["wav"]))):
        path = os.path.join(a.work, f"check-{i}.wav")
        write_wav(path, d["wav"][i].numpy())
        r = subprocess.run([JAVA, "--enable-native-access=ALL-UNNAMED", "-Xss8m", "-Dai.djl.offline=true", "-cp", a.classpath,
                            os.path.join(HERE, "CheckOnnxFrontend.java"), os.path.join(a.work, "model"), path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            print(r.stderr[-2000:])
            return 1
        lines = dict(l.split(" ", 1) for l in r.stdout.strip().splitlines())
        jt = np.array(lines["tokens"].split(), dtype=np.int64)
        je = np.array(lines["embedding"].split(), dtype=np.float32)
        pt = d["speech_tokens"][i].numpy().astype(np.int64)
        pe = d["spk_emb"][i].numpy()
        mism = (np.mean(jt != pt) if len(jt) == len(pt) else 1.0)
        rel = float(np.linalg.norm(je - pe) / np.linalg.norm(pe))
        good = len(jt) == len(pt) and mism <= TOKEN_MISMATCH_TOL and rel <= EMB_REL_TOL
        ok &= good
        print(f"{'OK ' if good else 'BAD'} utt {i} ({d['text'][i][:40]!r}): tokens java {len(jt)} / python {len(pt)}, "
              f"{mism * 100:.1f} % differ (tol {TOKEN_MISMATCH_TOL * 100:g} %); embedding rel err {rel:.2e} (tol {EMB_REL_TOL:g})")
        os.remove(path)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
