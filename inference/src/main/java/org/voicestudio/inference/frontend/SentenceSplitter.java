package org.voicestudio.inference.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The official paragraph splitter ({@code split_paragraph}, reference §2.1) for non-Chinese text:
 * cut after each of {@code . ? ! ; :} (a closing quote stays with its sentence), then greedily
 * merge consecutive pieces: a piece is closed when adding the next one would exceed
 * {@code maxTokens} and it already has more than {@code minTokens}; a last piece shorter than
 * {@code mergeTokens} joins the previous one. Lengths are BPE token counts. A terminal "." is
 * appended when the text does not end with a split mark; pieces of only punctuation are dropped.
 */
public final class SentenceSplitter {
    public static final int MAX_TOKENS = 80;
    public static final int MIN_TOKENS = 60;
    public static final int MERGE_TOKENS = 20;
    private static final String MARKS = ".?!;:";
    private static final String CLOSING_QUOTES = "\"\u201D";

    private final ToIntFunction<String> length;
    private final int maxTokens;
    private final int minTokens;
    private final int mergeTokens;

    public SentenceSplitter(ToIntFunction<String> tokenCount) { this(tokenCount, MAX_TOKENS, MIN_TOKENS, MERGE_TOKENS); }

    public SentenceSplitter(ToIntFunction<String> tokenCount, int maxTokens, int minTokens, int mergeTokens) {
        this.length = tokenCount;
        this.maxTokens = maxTokens;
        this.minTokens = minTokens;
        this.mergeTokens = mergeTokens;
    }

    public List<String> split(String text) {
        text = text.strip(); // text_normalize strips the text first
        if (text.isEmpty()) return List.of();
        if (MARKS.indexOf(text.charAt(text.length() - 1)) < 0) text = text + ".";
        List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (MARKS.indexOf(text.charAt(i)) < 0) continue;
            if (i > start) pieces.add(text.substring(start, i + 1));
            if (i + 1 < text.length() && CLOSING_QUOTES.indexOf(text.charAt(i + 1)) >= 0) {
                if (!pieces.isEmpty()) pieces.set(pieces.size() - 1, pieces.getLast() + text.charAt(i + 1));
                start = i + 2;
                i++;
            } else {
                start = i + 1;
            }
        }
        List<String> merged = new ArrayList<>();
        String current = "";
        for (String piece : pieces) {
            if (length.applyAsInt(current + piece) > maxTokens && length.applyAsInt(current) > minTokens) {
                merged.add(current);
                current = "";
            }
            current = current + piece;
        }
        if (!current.isEmpty()) {
            if (length.applyAsInt(current) < mergeTokens && !merged.isEmpty()) merged.set(merged.size() - 1, merged.getLast() + current);
            else merged.add(current);
        }
        merged.removeIf(SentenceSplitter::onlyPunctuation);
        return merged;
    }

    /** True when the piece has no letter or digit (the official {@code is_only_punctuation}). */
    static boolean onlyPunctuation(String s) {
        return s.codePoints().noneMatch(Character::isLetterOrDigit);
    }
}
