"""The demo model's text side: our byte-level BPE (CosyVoice-BlankEN layout) and the exact text
ids the Java pipeline feeds the LM.

    python3 tools/train/text.py train --corpus .train/corpus-es.txt .train/corpus-en.txt --out DIR/CosyVoice-BlankEN
    python3 tools/train/text.py encode --tokenizer DIR/CosyVoice-BlankEN --lang es "¿Qué tal?"

The Java side (inference/.../frontend/): TokenizerJson builds a HuggingFace tokenizer from
vocab.json + merges.txt (NFC normalizer, Qwen2 split regex, byte-level, BPE without byte
fallback); tokenizer_config.json's added_tokens_decoder gives the tokens right after the BPE
vocabulary (here Qwen2's three specials at 1024..1026), and QwenTokenizer appends CosyVoice3's
278 tokens (cosyvoice3-added-tokens.txt) from the next id on: <|endofprompt|> = 1027, text
vocabulary 1305 = rows of embed_tokens. Added tokens are matched whole before BPE.

Zero-shot synthesis (TextFrontend / cli TextIds / PromptText): prompt text = "You are a helpful
assistant.<|endofprompt|>" + transcript.strip() (the transcript is NOT normalized); the text to
speak is normalized (TextNormalizer) and split (SentenceSplitter, token-count based), each
sentence encoded alone. The LM input is prompt_text_ids + sentence_ids.

Python mirror limits (checked, with a clear error): the normalizer here handles text without
digits and symbols (abbreviation table only, read from the Java rule files); the corpus is
built that way. The Qwen2 regex uses Python `re` classes ([^\\W\\d_] for \\p{L}, \\d for \\p{N}),
identical for letters and decimal digits; other numeric characters are rejected.
"""
import argparse
import collections
import json
import os
import re
import sys
import unicodedata

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FRONTEND_RES = os.path.join(REPO, "inference", "src", "main", "resources", "org", "voicestudio", "inference", "frontend")

BASE_VOCAB = 1024                       # 256 byte symbols + 768 merges (contract)
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
END_OF_PROMPT = "<|endofprompt|>"
SYSTEM = "You are a helpful assistant."  # PromptText.SYSTEM

# Qwen2 PRETOKENIZE_REGEX (TokenizerJson.QWEN2_SPLIT_REGEX) in Python `re` terms:
# \p{L} -> [^\W\d_], \p{N} -> \d, "not letter/number" -> (?:_|[^\w]).
_L = r"[^\W\d_]"
QWEN2_SPLIT = re.compile(
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)"
    r"|(?:_|[^\r\n\w])?" + _L + r"+"
    r"|\d"
    r"| ?(?:_|[^\s\w])+[\r\n]*"
    r"|\s*[\r\n]+"
    r"|\s+(?!\S)"
    r"|\s+")

# SentenceSplitter limits (BPE token counts)
SPLIT_MAX_TOKENS, SPLIT_MIN_TOKENS, SPLIT_MERGE_TOKENS = 80, 60, 20
SPLIT_MARKS = ".?!;:"
CLOSING_QUOTES = "\"\u201D"


def cosyvoice3_added_tokens():
    """CosyVoice3's 278 added tokens in official order (the Java resource)."""
    with open(os.path.join(FRONTEND_RES, "cosyvoice3-added-tokens.txt"), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def bytes_to_unicode():
    """GPT-2 / Qwen2 byte -> printable character table (the ByteLevel pre-tokenizer's)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {v: k for k, v in BYTE_ENCODER.items()}


def _check_chars(text):
    for c in text:
        if c.isnumeric() and not c.isdecimal():
            raise ValueError(f"character {c!r} (U+{ord(c):04X}) in {text!r}: numeric but not a decimal digit; "
                             "the Python mirror of the Qwen2 regex only covers decimal digits")


def pretokenize(text):
    """NFC + Qwen2 split + byte-level: the byte-unicode strings BPE runs on."""
    text = unicodedata.normalize("NFC", text)
    _check_chars(text)
    return ["".join(BYTE_ENCODER[b] for b in piece.encode("utf-8")) for piece in QWEN2_SPLIT.findall(text)]


def train_bpe(lines, vocab_size=BASE_VOCAB):
    """Byte-level BPE merges learned on `lines` (most frequent pair first, ties by the pair's
    strings): returns the merge list (vocab_size - 256 pairs)."""
    words = collections.Counter()
    for line in lines:
        words.update(pretokenize(line))
    seqs = [list(w) for w in words]
    freqs = [words[w] for w in words]
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for i, s in enumerate(seqs):
        for a, b in zip(s, s[1:]):
            pairs[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    merges = []
    while len(merges) < vocab_size - 256 and pairs:
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        if pairs[best] <= 0:
            break
        merges.append(best)
        a, b = best
        ab = a + b
        for i in list(where.pop(best, ())):
            s, f = seqs[i], freqs[i]
            for x, y in zip(s, s[1:]):
                pairs[(x, y)] -= f
            out, j = [], 0
            while j < len(s):
                if j + 1 < len(s) and s[j] == a and s[j + 1] == b:
                    out.append(ab)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            seqs[i] = out
            for x, y in zip(out, out[1:]):
                pairs[(x, y)] += f
                where[(x, y)].add(i)
        pairs.pop(best, None)
        for k in [k for k, v in pairs.items() if v <= 0]:
            del pairs[k]
    return merges


class Tokenizer:
    """Our BlankEN tokenizer, encoding exactly as the Java QwenTokenizer (HF tokenizers) does."""

    def __init__(self, folder):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = [l.rstrip("\n") for l in f]
        self.ranks = {}
        for n, line in enumerate(lines):
            if not line or (n == 0 and line.startswith("#version")):
                continue
            a, b = line.split(" ")
            self.ranks[(a, b)] = len(self.ranks)
        added = {}
        cfg = os.path.join(folder, "tokenizer_config.json")
        if os.path.isfile(cfg):
            with open(cfg, encoding="utf-8") as f:
                for k, v in json.load(f).get("added_tokens_decoder", {}).items():
                    added[v["content"]] = int(k)
        if not added:
            added = {t: len(self.vocab) + i for i, t in enumerate(QWEN_SPECIALS)}
        nxt = max(list(self.vocab.values()) + list(added.values())) + 1
        for t in cosyvoice3_added_tokens():  # QwenTokenizer: appended from the next id
            if t not in added:
                added[t] = nxt
                nxt += 1
        self.added = added
        self.size = nxt
        self.id_to_token = {v: k for k, v in self.vocab.items()}
        self.id_to_token.update({v: k for k, v in added.items()})
        # HF matches added tokens leftmost-longest
        self._added_re = re.compile("|".join(re.escape(t) for t in sorted(added, key=lambda t: (-len(t), t))))
        self._cache = {}

    def _bpe(self, word):
        if word in self._cache:
            return self._cache[word]
        parts = list(word)
        while len(parts) > 1:
            best, rank = None, None
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (rank is None or r < rank):
                    best, rank = i, r
            if best is None:
                break
            a, b = parts[best], parts[best + 1]
            out, j = [], 0
            while j < len(parts):  # merge every occurrence of this pair, left to right
                if j + 1 < len(parts) and parts[j] == a and parts[j + 1] == b:
                    out.append(a + b)
                    j += 2
                else:
                    out.append(parts[j])
                    j += 1
            parts = out
        ids = [self.vocab[p] for p in parts]
        self._cache[word] = ids
        return ids

    def encode(self, text):
        """tokenizer([text]).input_ids[0]: added tokens whole, the rest through BPE."""
        ids, last = [], 0
        for m in self._added_re.finditer(text):
            for w in pretokenize(text[last:m.start()]):
                ids.extend(self._bpe(w))
            ids.append(self.added[m.group()])
            last = m.end()
        for w in pretokenize(text[last:]):
            ids.extend(self._bpe(w))
        return ids

    def decode(self, ids):
        """Text of ids, special tokens dropped (skip_special_tokens=True)."""
        specials = set(self.added.values())
        s = "".join(self.id_to_token[i] for i in ids if i not in specials)
        return bytes(BYTE_DECODER[c] for c in s).decode("utf-8", errors="replace")

    @property
    def end_of_prompt_id(self):
        return self.added[END_OF_PROMPT]


# ---- the Java text frontend, mirrored for digit-free text ----

_RULES = {}


def _rules(lang):
    if lang not in _RULES:
        with open(os.path.join(FRONTEND_RES, "lang", f"{lang}.json"), encoding="utf-8") as f:
            _RULES[lang] = json.load(f)
    return _RULES[lang]


def normalize(text, lang):
    """TextNormalizer.normalize for text without digits and rule-table symbols: only the
    abbreviation table applies (matched whole, longest first, not inside a word)."""
    r = _rules(lang)
    if re.search(r"\d", text):
        raise ValueError(f"{text!r}: has digits; the Python normalizer mirror covers digit-free text only (numbers need ICU spellout)")
    for sym in r.get("symbols", {}):
        if sym in text:
            raise ValueError(f"{text!r}: has symbol {sym!r}; not covered by the Python normalizer mirror")
    ab = r.get("abbreviations", {})
    if not ab:
        return text
    pat = re.compile(r"(?<![^\W\d_])(?:" + "|".join(re.escape(a) for a in sorted(ab, key=lambda a: (-len(a), a))) + r")(?![^\W\d_])")
    out, last = [], 0
    for m in pat.finditer(text):
        rep = ab[m.group()]
        out.append(text[last:m.start()])
        if m.start() > 0 and text[m.start() - 1].isalnum() and not rep.startswith(" "):
            out.append(" ")
        out.append(rep)
        if m.end() < len(text) and text[m.end()].isalnum() and not rep.endswith(" "):
            out.append(" ")
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def split_sentences(text, count):
    """SentenceSplitter.split (count = token count of a string)."""
    text = text.strip()
    if not text:
        return []
    if text[-1] not in SPLIT_MARKS:
        text += "."
    pieces, start, i = [], 0, 0
    while i < len(text):
        if text[i] in SPLIT_MARKS:
            if i > start:
                pieces.append(text[start:i + 1])
            if i + 1 < len(text) and text[i + 1] in CLOSING_QUOTES:
                if pieces:
                    pieces[-1] += text[i + 1]
                start = i + 2
                i += 1
            else:
                start = i + 1
        i += 1
    merged, cur = [], ""
    for p in pieces:
        if count(cur + p) > SPLIT_MAX_TOKENS and count(cur) > SPLIT_MIN_TOKENS:
            merged.append(cur)
            cur = ""
        cur += p
    if cur:
        if count(cur) < SPLIT_MERGE_TOKENS and merged:
            merged[-1] += cur
        else:
            merged.append(cur)
    return [m for m in merged if any(c.isalnum() for c in m)]


def prompt_text_ids(tok, transcript):
    """Prompt text ids of a zero-shot voice (TextFrontend.promptTextIds / cli TextIds.promptText)."""
    p = transcript if END_OF_PROMPT in transcript else SYSTEM + END_OF_PROMPT + transcript.strip()
    return tok.encode(p)


def tts_sentence_ids(tok, text, lang):
    """Per-sentence ids of a text to speak (TextFrontend.prepare): normalized, split, encoded."""
    norm = normalize(text, lang)
    if "<|" in text and "|>" in text:
        return [tok.encode(norm)]
    return [tok.encode(s) for s in split_sentences(norm, lambda s: len(tok.encode(s)))]


def prompt_ids(tok, prompt_text, tts_text, lang):
    """The LM's text ids for zero-shot synthesis of a one-sentence tts_text with a voice whose
    transcript is prompt_text: prompt_text_ids + tts_ids (what the Java pipeline builds).
    Raises if the text would be split into several sentences (several LM calls)."""
    sents = tts_sentence_ids(tok, tts_text, lang)
    if len(sents) != 1:
        raise ValueError(f"{tts_text!r} becomes {len(sents)} sentences in the Java frontend; synthesize them one by one")
    return prompt_text_ids(tok, prompt_text) + sents[0]


def write_folder(merges, out, llm_config):
    """CosyVoice-BlankEN: vocab.json, merges.txt, tokenizer_config.json, config.json."""
    os.makedirs(out, exist_ok=True)
    vocab = {BYTE_ENCODER[b]: i for i, b in enumerate(sorted(BYTE_ENCODER))}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    n = len(vocab)
    decoder = {str(n + i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                            "single_word": False, "special": True} for i, t in enumerate(QWEN_SPECIALS)}
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"add_prefix_space": False, "added_tokens_decoder": decoder, "bos_token": None,
                   "clean_up_tokenization_spaces": False, "eos_token": "<|endoftext|>", "errors": "replace",
                   "model_max_length": 32768, "pad_token": "<|endoftext|>", "split_special_tokens": False,
                   "tokenizer_class": "Qwen2Tokenizer", "unk_token": None}, f, indent=2)
    size = n + len(QWEN_SPECIALS) + len(cosyvoice3_added_tokens())
    cfg = {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": n, "eos_token_id": n,
           "hidden_act": "silu", "initializer_range": 0.02, "max_position_embeddings": 32768,
           "max_window_layers": llm_config["num_hidden_layers"], "model_type": "qwen2",
           "sliding_window": 32768, "tie_word_embeddings": True, "torch_dtype": "float32",
           "transformers_version": "4.51.3", "use_cache": True, "use_sliding_window": False, "vocab_size": size}
    cfg.update(llm_config)
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(dict(sorted(cfg.items())), f, indent=2)
    return size


# Demo LLM geometry (DEMO-CONTRACT; tools/train/cv3/geometry.py holds the same numbers)
DEMO_QWEN = {"hidden_size": 256, "num_hidden_layers": 6, "num_attention_heads": 4, "num_key_value_heads": 2,
             "head_dim": 64, "intermediate_size": 768, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0}


def build(corpora, out):
    lines = []
    for c in corpora:
        with open(c, encoding="utf-8") as f:
            lines += [l.strip() for l in f if l.strip()]
    # the prompt prefix is part of every LM input: let BPE see it too
    lines += [SYSTEM] * 1000
    merges = train_bpe(lines)
    return write_folder(merges, out, DEMO_QWEN)


def python_ids_text(tok, tsv):
    out = []
    with open(tsv, encoding="utf-8") as f:
        for line in f.read().splitlines():
            lang, transcript, text = line.split("\t")
            out.append("P " + " ".join(map(str, prompt_text_ids(tok, transcript.strip()))))
            out += ["S " + " ".join(map(str, s)) for s in tts_sentence_ids(tok, text, lang)]
            out.append("--")
    return out


def check(folder, tsv, java_out):
    tok = Tokenizer(folder)
    py = python_ids_text(tok, tsv)
    with open(java_out, encoding="utf-8") as f:
        jv = f.read().splitlines()
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(py, jv)) if a != b]
    if len(py) != len(jv) or bad:
        print(f"MISMATCH: {len(py)} python lines, {len(jv)} java lines, {len(bad)} differ")
        for i, a, b in bad[:5]:
            print(f"  line {i}:\n    py   {a}\n    java {b}")
        return 1
    n = sum(1 for l in py if l == "--")
    print(f"text ids identical for {n} (transcript, text) pairs: {sum(1 for l in py if l[0] in 'PS')} id sequences")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--corpus", nargs="+", required=True)
    t.add_argument("--out", required=True)
    e = sub.add_parser("encode")
    e.add_argument("--tokenizer", required=True)
    e.add_argument("--lang", required=True)
    e.add_argument("--prompt", help="zero-shot transcript: print prompt_ids(prompt, text)")
    e.add_argument("text", nargs="+")
    c = sub.add_parser("check", help="compare with the Java frontend's ids (output of CheckTextIds.java)")
    c.add_argument("--tokenizer", required=True)
    c.add_argument("--lines", required=True, help="TSV: lang, transcript, text")
    c.add_argument("--java", required=True, help="CheckTextIds.java output for the same lines")
    a = ap.parse_args()
    if a.cmd == "check":
        sys.exit(check(a.tokenizer, a.lines, a.java))
    if a.cmd == "train":
        size = build(a.corpus, a.out)
        print(f"{a.out}: text vocabulary {size} (BPE {BASE_VOCAB} + {len(QWEN_SPECIALS)} Qwen2 + {len(cosyvoice3_added_tokens())} CosyVoice3)")
    else:
        tok = Tokenizer(a.tokenizer)
        text = " ".join(a.text)
        if a.prompt is not None:
            print(" ".join(map(str, prompt_ids(tok, a.prompt, text, a.lang))))
        else:
            for s in tts_sentence_ids(tok, text, a.lang):
                print(" ".join(map(str, s)))


if __name__ == "__main__":
    main()
