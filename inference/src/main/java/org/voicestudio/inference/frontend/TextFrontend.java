package org.voicestudio.inference.frontend;

import java.util.List;

/**
 * The text frontend of the pipeline: normalize in the text's language, split into sentences
 * (§2.1), tokenize each (§2.2). One instance per language; the tokenizer is shared and owned
 * by the caller.
 */
public final class TextFrontend {
    private final QwenTokenizer tokenizer;
    private final TextNormalizer normalizer;
    private final SentenceSplitter splitter;

    public TextFrontend(QwenTokenizer tokenizer, TextNormalizer normalizer) {
        this.tokenizer = tokenizer;
        this.normalizer = normalizer;
        this.splitter = new SentenceSplitter(tokenizer::count);
    }

    public String language() { return normalizer.rules().code(); }

    public QwenTokenizer tokenizer() { return tokenizer; }

    /** Text to synthesize: normalized and split (unless it carries special tokens, as officially). */
    public PreparedText prepare(String text) {
        String normalized = normalizer.normalize(text);
        boolean split = !PromptText.hasSpecialTokens(text);
        List<String> pieces = split ? splitter.split(normalized) : List.of(normalized);
        return new PreparedText(language(), text, normalized,
                pieces.stream().map(p -> new Sentence(p, tokenizer.encode(p))).toList(), split);
    }

    /**
     * Prompt text ids of a voice: the official frontend does not normalize a saved speaker's
     * prompt text (§2.7); a prompt without {@code <|endofprompt|>} gets the zero-shot prefix.
     */
    public int[] promptTextIds(String promptOrTranscript) {
        String prompt = promptOrTranscript.contains(SpecialTokens.END_OF_PROMPT) ? promptOrTranscript : PromptText.zeroShot(promptOrTranscript);
        return tokenizer.encode(prompt);
    }

    public int[] encode(String text) { return tokenizer.encode(text); }
}
