"""Writes demo-speech-tokenizer.onnx: a RANDOM-weight stand-in with the I/O contract of the official
speech_tokenizer_v3.onnx (feats (1, 128, T) float32 whisper log-mel, feats_length (1,) int32 ->
tokens (1, ceil(T/4)) int64) but 512 codes, the demo model's speech_token_size. Tests use it to make
voices for random folders of the demo geometry; it tokenizes nothing meaningfully.

    /usr/bin/python3 make_demo_speech_tokenizer.py      # torch >= 1.13, onnx; deterministic (seed 0)
"""
import torch


class StandIn(torch.nn.Module):
    def __init__(self, codes=512):
        super().__init__()
        self.conv1 = torch.nn.Conv1d(128, 32, 3, stride=2, padding=1)
        self.conv2 = torch.nn.Conv1d(32, 32, 3, stride=2, padding=1)
        self.proj = torch.nn.Linear(32, codes)

    def forward(self, feats, feats_length):
        t = torch.arange(feats.shape[2]).unsqueeze(0)
        mask = (t < feats_length.unsqueeze(1)).to(feats.dtype).unsqueeze(1)   # [1, 1, T]
        x = torch.nn.functional.gelu(self.conv1(feats * mask))               # [1, 32, T/2]
        x = torch.nn.functional.gelu(self.conv2(x))                          # [1, 32, T/4]
        return self.proj(x.transpose(1, 2)).argmax(-1)                        # [1, T/4] int64


torch.manual_seed(0)
m = StandIn().eval()
feats = torch.randn(1, 128, 130)
torch.onnx.export(m, (feats, torch.tensor([130], dtype=torch.int32)), "demo-speech-tokenizer.onnx",
                  input_names=["feats", "feats_length"], output_names=["tokens"], opset_version=17,
                  dynamic_axes={"feats": {2: "num_frames"}, "tokens": {1: "num_tokens"}})
print(m(feats, torch.tensor([130], dtype=torch.int32)).shape)
