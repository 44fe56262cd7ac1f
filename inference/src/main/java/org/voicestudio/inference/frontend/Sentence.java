package org.voicestudio.inference.frontend;

import java.util.Arrays;

/** One synthesis unit of a text: its (normalized) text and token ids. */
public record Sentence(String text, int[] tokenIds) {
    public Sentence {
        tokenIds = tokenIds.clone();
    }

    @Override public int[] tokenIds() { return tokenIds.clone(); }

    public int tokenCount() { return tokenIds.length; }

    @Override public boolean equals(Object o) { return o instanceof Sentence s && s.text.equals(text) && Arrays.equals(s.tokenIds, tokenIds); }
    @Override public int hashCode() { return 31 * text.hashCode() + Arrays.hashCode(tokenIds); }
    @Override public String toString() { return "Sentence[" + text + ", " + tokenIds.length + " tokens]"; }
}
