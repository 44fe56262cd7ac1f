package org.voicestudio.inference.frontend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A text ready for synthesis: what the user typed, its normalized form and the sentences the
 * pipeline synthesizes one by one. The split can be adjusted (merge two sentences, cut one at a
 * character offset, edit one); each change gives a new value with fresh token ids.
 *
 * @param split false when the text carries special tokens ({@code <|...|>}): like the official
 *              frontend, such a text is one unit (an instruct prefix must stay with its text)
 */
public record PreparedText(String language, String original, String normalized, List<Sentence> sentences, boolean split) {
    public PreparedText {
        sentences = List.copyOf(sentences);
    }

    /** Sentence {@code index} joined with the one after it. */
    public PreparedText mergeWithNext(int index, Function<String, int[]> tokenizer) {
        check(index, sentences.size() - 1);
        List<Sentence> out = new ArrayList<>(sentences);
        String joined = out.get(index).text() + out.get(index + 1).text();
        out.set(index, new Sentence(joined, tokenizer.apply(joined)));
        out.remove(index + 1);
        return new PreparedText(language, original, normalized, out, split);
    }

    /** Sentence {@code index} cut in two before character {@code offset} of its text. */
    public PreparedText splitAt(int index, int offset, Function<String, int[]> tokenizer) {
        check(index, sentences.size());
        String t = sentences.get(index).text();
        if (offset <= 0 || offset >= t.length()) {
            throw new IllegalArgumentException("cut offset " + offset + " must lie inside sentence " + index + " (1.." + (t.length() - 1) + ")");
        }
        List<Sentence> out = new ArrayList<>(sentences);
        String a = t.substring(0, offset), b = t.substring(offset);
        out.set(index, new Sentence(a, tokenizer.apply(a)));
        out.add(index + 1, new Sentence(b, tokenizer.apply(b)));
        return new PreparedText(language, original, normalized, out, split);
    }

    /** Sentence {@code index} replaced by {@code text} (e.g. a corrected reading), for regenerating it alone. */
    public PreparedText withSentence(int index, String text, Function<String, int[]> tokenizer) {
        check(index, sentences.size());
        List<Sentence> out = new ArrayList<>(sentences);
        out.set(index, new Sentence(text, tokenizer.apply(text)));
        return new PreparedText(language, original, normalized, out, split);
    }

    private void check(int index, int limit) {
        if (index < 0 || index >= limit) throw new IndexOutOfBoundsException("sentence " + index + " of " + sentences.size());
    }
}
