"""CosyVoice3LM (cosyvoice/llm/llm.py, reference §3): Qwen2 backbone + speech_embedding + llm_decoder (no bias).

Zero-shot sequence (what the Java Prefill builds and what training teacher-forces):
  [speech_emb(sos)] + text_emb(prompt_text + tts_text) + [speech_emb(task_id)] + speech_emb(prompt + target) [+ eos target]
"""
import torch
import torch.nn as nn

from .geometry import LlmGeometry
from .qwen2 import Qwen2Encoder


class CosyVoice3LM(nn.Module):
    def __init__(self, g: LlmGeometry):
        super().__init__()
        self.g = g
        self.llm = Qwen2Encoder(g)
        self.speech_embedding = nn.Embedding(g.speech_rows, g.hidden)
        self.llm_decoder = nn.Linear(g.hidden, g.speech_rows, bias=False)

    @property
    def embed_tokens(self):
        return self.llm.model.model.embed_tokens

    def prefill_embeds(self, text_ids, prompt_speech):
        """text_ids [1, Lt], prompt_speech [1, P] (int) -> [1, 1 + Lt + 1 + P, hidden]."""
        w = self.speech_embedding.weight
        sos = w[self.g.sos].reshape(1, 1, -1)
        task = w[self.g.task_id].reshape(1, 1, -1)
        return torch.cat([sos, self.embed_tokens(text_ids), task, self.speech_embedding(prompt_speech)], dim=1)

    def hidden(self, embeds, cache=None, start=0, fused=True):
        """[B, T, hidden] -> last hidden state (after the final RMSNorm) [B, T, hidden]."""
        return self.llm(embeds, cache, start, fused)

    def log_probs(self, hidden):
        return self.llm_decoder(hidden).float().log_softmax(-1)

    def new_cache(self):
        return [[None, None] for _ in range(self.g.layers)]

    def export_state_dict(self):
        """Official-layout float32 state dict; the tied lm_head is the same tensor object as embed_tokens."""
        sd = {k: v.detach().float().cpu().contiguous() for k, v in self.state_dict().items()}
        sd["llm.model.lm_head.weight"] = sd["llm.model.model.embed_tokens.weight"]
        return sd
