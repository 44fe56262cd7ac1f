"""Build the training sentence corpora from Debian fortune files.

Usage: python3 tools/train/corpus.py FORTUNE_ROOT OUT_DIR

Reads every fortune file (entries separated by a line holding only '%'),
drops attribution lines ('-- Author ...'), joins each entry into one text,
splits it into sentences and keeps the ones a speech corpus can use:
3..25 words, letters and basic punctuation only (no digits, URLs, markup,
quotes-in-quotes or odd symbols). Sentences are deduplicated
(case-insensitively) and written one per line, sorted, to
OUT_DIR/corpus-es.txt (fortunes-es) and OUT_DIR/corpus-en.txt
(fortunes + fortunes-min).
"""
import os
import re
import sys
import unicodedata

MIN_WORDS = 3
MAX_WORDS = 25

# Letters of both languages, space and basic punctuation. Anything else
# (digits, '@', '/', '*', '(', '#', tabs, ...) rejects the sentence.
ALLOWED = re.compile(r"^[A-Za-zÁÉÍÓÚÜÑáéíóúüñ ,;:.!?¿¡'\-]+$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[¿¡A-ZÁÉÍÓÚÑ])")
ATTRIBUTION = re.compile(r"^\s*(--|―|—)")


def entries(path):
    """Fortune entries of one file as lists of lines (attributions dropped)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for entry in re.split(r"^%\s*$", text, flags=re.M):
        lines = []
        for line in entry.splitlines():
            if ATTRIBUTION.match(line):
                break  # attribution and whatever follows it
            lines.append(line)
        # Indented or dialogue-style entries (poems, code, "Q: A:") are
        # poor prose for a reader; skip entries with tab-indented lines.
        if any(l.startswith(("\t", "    ")) for l in lines if l.strip()):
            continue
        yield lines


def sentences(lines):
    text = " ".join(l.strip() for l in lines if l.strip())
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\s+", " ", text).strip()
    for s in SENTENCE_END.split(text):
        s = s.strip().strip('"').strip()
        if s:
            yield s


def keep(s):
    if not ALLOWED.match(s):
        return False
    words = s.split()
    if not (MIN_WORDS <= len(words) <= MAX_WORDS):
        return False
    if not s[-1] in ".!?":
        return False
    if "--" in s or "''" in s or ".." in s:
        return False
    if not re.match(r"[¿¡A-ZÁÉÍÓÚÑ]", s):
        return False  # dialogue dashes, quotes, fragments
    if " - " in s or " -" in s or "- " in s:
        return False  # dialogue turns
    if re.search(r"\b[A-ZÁÉÍÓÚÑ]{2,}\b", s):
        return False  # acronyms and shouting: espeak spells them out
    if "'" in s and s.lstrip("¿¡")[0] == "'":
        return False
    if s.count("'") % 2 == 1 and not re.search(r"[A-Za-z]'[A-Za-z]", s):
        return False  # stray quote, not an apostrophe
    return True


def build(files):
    seen, out = set(), []
    for path in files:
        for e in entries(path):
            for s in sentences(e):
                if keep(s) and s.lower() not in seen:
                    seen.add(s.lower())
                    out.append(s)
    return sorted(out)


def fortune_files(folder):
    for name in sorted(os.listdir(folder)):
        p = os.path.join(folder, name)
        if os.path.isfile(p) and not os.path.islink(p) and not name.endswith((".dat", ".u8")):
            yield p


def main():
    root, out_dir = sys.argv[1], sys.argv[2]
    es = build(fortune_files(os.path.join(root, "es")))
    en = build(fortune_files(root))
    for lang, sents in (("es", es), ("en", en)):
        path = os.path.join(out_dir, f"corpus-{lang}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(sents) + "\n")
        words = sum(len(s.split()) for s in sents)
        print(f"corpus-{lang}.txt: {len(sents)} sentences, {words} words")


if __name__ == "__main__":
    main()
