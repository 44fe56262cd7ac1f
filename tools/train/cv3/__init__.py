"""PyTorch CosyVoice3 modules for training (LLM + flow), state-dict compatible with the official checkpoints."""
