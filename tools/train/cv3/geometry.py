"""Model sizes: the shipped demo model (issue 8 contract) and the cv3-tiny golden fixture."""
from dataclasses import dataclass


@dataclass(frozen=True)
class LlmGeometry:
    text_vocab: int            # rows of embed_tokens (= CosyVoice-BlankEN/config.json vocab_size)
    hidden: int                # llm_input_size = llm_output_size = hidden_size
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int          # SwiGLU width
    speech_token_size: int     # K; speech_embedding / llm_decoder rows = K + 200
    rms_eps: float = 1e-6
    rope_theta: float = 1e6

    @property
    def speech_rows(self) -> int:
        return self.speech_token_size + 200

    @property
    def sos(self) -> int:
        return self.speech_token_size

    @property
    def eos(self) -> int:
        return self.speech_token_size + 1

    @property
    def task_id(self) -> int:
        return self.speech_token_size + 2

    @property
    def fill(self) -> int:
        return self.speech_token_size + 3


@dataclass(frozen=True)
class FlowGeometry:
    vocab_size: int            # input_embedding rows (speech codebook)
    pre_lookahead_channels: int
    dit_dim: int
    dit_depth: int
    dit_heads: int
    dit_dim_head: int
    ff_mult: int = 2
    mel_dim: int = 80          # input_size = output_size = mel/mu/spk dim
    spk_embed_dim: int = 192
    pre_lookahead_len: int = 3
    token_mel_ratio: int = 2
    static_chunk_size: int = 50   # chunk_size 25 tokens * token_mel_ratio
    conv_pos_kernel: int = 31
    conv_pos_groups: int = 16
    time_freq_dim: int = 256
    # cfm_params (cosyvoice3.yaml)
    sigma_min: float = 1e-6
    training_cfg_rate: float = 0.2
    inference_cfg_rate: float = 0.7
    n_timesteps: int = 10


DEMO_LLM = LlmGeometry(text_vocab=-1, hidden=256, layers=6, heads=4, kv_heads=2, head_dim=64,
                       intermediate=768, speech_token_size=512)
DEMO_FLOW = FlowGeometry(vocab_size=512, pre_lookahead_channels=256, dit_dim=192, dit_depth=6,
                         dit_heads=3, dit_dim_head=64)

CV3_TINY_LLM = LlmGeometry(text_vocab=1000, hidden=64, layers=2, heads=4, kv_heads=2, head_dim=16,
                           intermediate=128, speech_token_size=6561)
CV3_TINY_FLOW = FlowGeometry(vocab_size=6561, pre_lookahead_channels=64, dit_dim=64, dit_depth=2,
                             dit_heads=4, dit_dim_head=16)


def demo_llm(text_vocab: int) -> LlmGeometry:
    """The demo LLM with the text vocabulary of our BlankEN tokenizer (known only once it is trained)."""
    from dataclasses import replace
    return replace(DEMO_LLM, text_vocab=text_vocab)
