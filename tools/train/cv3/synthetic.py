"""A random dataset in the train.pt format (dataset_format.md) for the self-tests and the throughput bench only."""
import numpy as np
import torch


def write_synthetic_dataset(path, utterances=24, speakers=3, text_vocab=300, speech_tokens=512, seed=0,
                            min_tokens=20, max_tokens=60):
    rng = np.random.default_rng(seed)
    d = {k: [] for k in ("speaker", "lang", "text", "text_ids", "speech_tokens", "mel", "spk_emb")}
    for i in range(utterances):
        n = int(rng.integers(min_tokens, max_tokens))  # speech tokens (25 per second)
        d["speaker"].append(i % speakers)
        d["lang"].append("es" if i % 2 else "en")
        d["text"].append(f"synthetic {i}")
        d["text_ids"].append(torch.from_numpy(rng.integers(0, text_vocab - 10, max(3, n // 6 + int(rng.integers(-2, 3))))).int())
        d["speech_tokens"].append(torch.from_numpy(rng.integers(0, speech_tokens, n)).short())
        d["mel"].append(torch.from_numpy(rng.normal(-5, 2, (2 * n + int(rng.integers(0, 2)), 80))).half())
        d["spk_emb"].append(torch.from_numpy(rng.normal(0, 1, 192)).float())
    d["text_vocab_size"] = text_vocab
    d["prompt_prefix_ids"] = list(range(text_vocab - 10, text_vocab))
    torch.save(d, path)
