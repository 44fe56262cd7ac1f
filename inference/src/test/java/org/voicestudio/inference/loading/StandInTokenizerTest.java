package org.voicestudio.inference.loading;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.frontend.PromptText;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.SpecialTokens;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StandInTokenizerTest {

    /**
     * The demo layout: vocab.json + merges.txt + tokenizer_config.json, no tokenizer.json and no
     * model.safetensors. Qwen2's specials sit right after the 1024 BPE entries (as the config
     * declares them), CosyVoice3's 278 additions follow, so {@code <|endofprompt|>} is 1027.
     */
    @Test
    void aSmallByteLevelBpeLoadsWithTheCosyVoice3SpecialsAfterItsVocabulary(@TempDir Path dir) throws Exception {
        int size = StandInTokenizer.write(dir);
        assertEquals(1305, size);
        assertFalse(Files.exists(dir.resolve("tokenizer.json")));
        try (QwenTokenizer tok = QwenTokenizer.load(dir)) {
            assertEquals(1305, tok.size());
            assertEquals(1024, tok.specialId(SpecialTokens.END_OF_TEXT).orElseThrow());
            assertEquals(1026, tok.specialId(SpecialTokens.IM_END).orElseThrow());
            assertEquals(1027, tok.specialId(SpecialTokens.END_OF_PROMPT).orElseThrow());
            assertEquals(1304, tok.specialId(SpecialTokens.cosyVoice3Added().getLast()).orElseThrow());

            int[] ids = tok.encode(PromptText.zeroShot("¡Hola, señor! the end"));
            assertTrue(java.util.Arrays.stream(ids).allMatch(i -> i >= 0 && i < size));
            assertTrue(java.util.Arrays.stream(ids).anyMatch(i -> i == 1027), "the special token is matched whole");
            assertEquals("¡Hola, señor! the end", tok.decode(java.util.Arrays.stream(ids).dropWhile(i -> i != 1027).skip(1).toArray()));
            // merges apply: " the" is Ġt + h + e -> fewer ids than bytes
            assertTrue(tok.encode(" the end").length < " the end".length(), "BPE merges");
        }
    }

    @Test
    void byteSymbolsAreGpt2sMapping() {
        List<String> s = StandInTokenizer.byteSymbols();
        assertEquals(256, s.size());
        assertEquals(256, s.stream().distinct().count());
        assertEquals("!", s.getFirst());
        assertTrue(s.contains("\u0120"), "space is Ġ");
    }
}
