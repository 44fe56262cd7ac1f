package org.voicestudio.inference.loading;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.SpecialTokens;
import org.voicestudio.inference.frontend.TokenizerJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small byte-level BPE in the {@code CosyVoice-BlankEN} layout for random-weight folders of the
 * demo geometry: {@code vocab.json} (the 256 GPT-2 byte symbols, then one symbol per merge, up to
 * {@value #BASE_VOCAB} entries), {@code merges.txt} and {@code tokenizer_config.json} declaring
 * Qwen2's three specials right after the BPE vocabulary, as the real BlankEN does. The merges are
 * not learned: they pair frequent Latin letters (word-initial and inside words), which is enough
 * for a stand-in that exercises the same loader the trained demo tokenizer goes through. With
 * CosyVoice3's 278 added tokens the text vocabulary is {@value #BASE_VOCAB} + 3 + 278.
 */
public final class StandInTokenizer {
    /** BPE vocabulary of the demo contract: 256 byte symbols + merges. */
    public static final int BASE_VOCAB = 1024;
    /** Letters by rough frequency in English and Spanish text. */
    private static final String LETTERS = "eaosrnitldcumphbgvyfqjzxkw";
    /** GPT-2's byte-level symbol for a space. */
    private static final String SPACE = "\u0120";

    private static final ObjectMapper JSON = new ObjectMapper();

    private StandInTokenizer() {}

    /** Text vocabulary after the Qwen2 specials and CosyVoice3's additions, as {@link QwenTokenizer} assigns it. */
    public static int textVocabSize() { return BASE_VOCAB + SpecialTokens.qwenBase().size() + SpecialTokens.cosyVoice3Added().size(); }

    /** Writes the three files into {@code dir} and returns the text vocabulary size the Java tokenizer gives them. */
    public static int write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : byteSymbols()) vocab.put(s, vocab.size());
        List<String> merges = new ArrayList<>();
        List<String[]> pairs = new ArrayList<>();
        for (char x : LETTERS.toCharArray()) pairs.add(new String[] {SPACE, String.valueOf(x)});
        for (char x : LETTERS.toCharArray()) for (char y : LETTERS.toCharArray()) pairs.add(new String[] {String.valueOf(x), String.valueOf(y)});
        for (char x : LETTERS.toCharArray()) for (char y : LETTERS.toCharArray()) pairs.add(new String[] {SPACE + x, String.valueOf(y)});
        for (String[] p : pairs) {
            if (vocab.size() == BASE_VOCAB) break;
            String merged = p[0] + p[1];
            if (vocab.containsKey(merged)) continue;
            merges.add(p[0] + " " + p[1]);
            vocab.put(merged, vocab.size());
        }
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n", StandardCharsets.UTF_8);

        ObjectNode config = JSON.createObjectNode();
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        List<String> specials = SpecialTokens.qwenBase();
        for (int i = 0; i < specials.size(); i++) {
            ObjectNode t = decoder.putObject(Integer.toString(BASE_VOCAB + i));
            t.put("content", specials.get(i));
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
        }
        config.put("bos_token", (String) null);
        config.put("eos_token", SpecialTokens.END_OF_TEXT);
        config.put("pad_token", SpecialTokens.END_OF_TEXT);
        config.put("model_max_length", 32768);
        config.put("tokenizer_class", "Qwen2Tokenizer");
        config.put("clean_up_tokenization_spaces", false);
        config.put("split_special_tokens", false);
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config), StandardCharsets.UTF_8);

        int size = TokenizerJson.build(dir, SpecialTokens.cosyVoice3Added()).size();
        if (size != textVocabSize()) throw new IllegalStateException("stand-in tokenizer has " + size + " ids, expected " + textVocabSize());
        return size;
    }

    /** GPT-2's {@code bytes_to_unicode}: printable bytes stand for themselves, the others map to U+0100 onwards. */
    static List<String> byteSymbols() {
        List<String> out = new ArrayList<>(256);
        boolean[] printable = new boolean[256];
        for (int b = 0; b < 256; b++) printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        for (int b = 0; b < 256; b++) if (printable[b]) out.add(String.valueOf((char) b));
        int n = 0;
        for (int b = 0; b < 256; b++) if (!printable[b]) out.add(String.valueOf((char) (256 + n++)));
        return out;
    }
}
