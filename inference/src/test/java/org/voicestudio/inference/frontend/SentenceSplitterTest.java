package org.voicestudio.inference.frontend;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.*;

class SentenceSplitterTest {
    /** Words as tokens: lengths easy to count by hand. */
    private static final ToIntFunction<String> WORDS = s -> s.isBlank() ? 0 : s.strip().split("\\s+").length;

    private static String sentence(int i) {
        return " s" + i + " w w w w w w w w w."; // 10 words
    }

    @Test
    void shortTextStaysOneUnitAndGetsATerminalPeriod() {
        assertEquals(List.of("Hello there. How are you? Fine."), new SentenceSplitter(WORDS).split("Hello there. How are you? Fine"));
    }

    @Test
    void sentencesMergeUpToMaxTokensOnceAboveMinTokens() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 10; i++) text.append(sentence(i));
        List<String> out = new SentenceSplitter(WORDS).split(text.toString());
        // 8 sentences = 80 words; the 9th would make 90 > 80 with 80 > 60 -> cut; 20 words remain (not < 20)
        assertEquals(2, out.size());
        assertEquals(80, WORDS.applyAsInt(out.get(0)));
        assertEquals(20, WORDS.applyAsInt(out.get(1)));
        assertTrue(out.get(1).startsWith(" s8"));
    }

    @Test
    void aShortTrailingPieceJoinsThePreviousOne() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 9; i++) text.append(sentence(i));
        List<String> out = new SentenceSplitter(WORDS).split(text.toString());
        assertEquals(1, out.size(), "the 10-word rest (< 20) is merged back");
        assertEquals(90, WORDS.applyAsInt(out.get(0)));
    }

    @Test
    void closingQuotesStayWithTheirSentenceAndSpanishMarksWithTheNext() {
        List<String> out = new SentenceSplitter(WORDS, 2, 1, 0).split("Dijo \"basta.\" ¿Y tú? ¡Nada!");
        assertEquals(List.of("Dijo \"basta.\"", " ¿Y tú?", " ¡Nada!"), out);
    }

    @Test
    void punctuationOnlyPiecesAreDropped() {
        assertEquals(List.of("Uno dos tres.", " Cuatro cinco seis."), new SentenceSplitter(WORDS, 3, 2, 0).split("Uno dos tres. Cuatro cinco seis."));
        assertEquals(List.of(), new SentenceSplitter(WORDS).split("..."));
        assertEquals(List.of(), new SentenceSplitter(WORDS).split("   "));
    }

    @Test
    void adjustedSplitRetokenizes() {
        java.util.function.Function<String, int[]> fake = s -> new int[WORDS.applyAsInt(s)];
        PreparedText p = new PreparedText("es", "a. b c.", "a. b c.",
                List.of(new Sentence("a.", fake.apply("a.")), new Sentence(" b c.", fake.apply(" b c."))), true);
        PreparedText merged = p.mergeWithNext(0, fake);
        assertEquals(List.of("a. b c."), merged.sentences().stream().map(Sentence::text).toList());
        assertEquals(3, merged.sentences().getFirst().tokenCount());
        PreparedText cut = merged.splitAt(0, 4, fake);
        assertEquals(List.of("a. b", " c."), cut.sentences().stream().map(Sentence::text).toList());
        assertThrows(IllegalArgumentException.class, () -> merged.splitAt(0, 0, fake));
        assertThrows(IndexOutOfBoundsException.class, () -> merged.mergeWithNext(0, fake));
    }
}
