package org.voicestudio.inference.frontend;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

/**
 * CosyVoice3's text tokenizer: Qwen2 byte-level BPE plus the added special tokens (reference
 * §2.2), run by HuggingFace tokenizers (Rust) through DJL. {@code encode} is the official
 * {@code tokenizer([text]).input_ids[0]}: added tokens are matched whole before BPE, nothing is
 * prepended or appended. Thread-safe; close it to free the native tokenizer.
 */
public final class QwenTokenizer implements AutoCloseable {
    /** Name of the tokenizer folder inside a CosyVoice model directory. */
    public static final String FOLDER = "CosyVoice-BlankEN";

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> addedTokens;
    private final int size;
    private final String source;

    private QwenTokenizer(HuggingFaceTokenizer tokenizer, Map<String, Integer> addedTokens, int size, String source) {
        this.tokenizer = tokenizer;
        this.addedTokens = addedTokens;
        this.size = size;
        this.source = source;
    }

    /** The tokenizer of a CosyVoice model directory ({@code <modelDir>/CosyVoice-BlankEN}). */
    public static QwenTokenizer forModel(Path modelDir) throws IOException { return load(modelDir.resolve(FOLDER)); }

    /**
     * Loads a Qwen2 tokenizer folder ({@code tokenizer.json}, or {@code vocab.json} + {@code
     * merges.txt}) and adds CosyVoice3's tokens the way {@code add_special_tokens} does.
     */
    public static QwenTokenizer load(Path dir) throws IOException {
        TokenizerJson.Built built = TokenizerJson.build(dir, SpecialTokens.cosyVoice3Added());
        Integer eop = built.addedTokens().get(SpecialTokens.END_OF_PROMPT);
        if (built.bpeVocab() == 151643 && (eop == null || eop != SpecialTokens.END_OF_PROMPT_ID)) {
            // the real Qwen2 vocabulary: CosyVoice3's LM asserts this id
            throw new IOException(dir + ": " + SpecialTokens.END_OF_PROMPT + " got id " + eop + ", CosyVoice3 needs " + SpecialTokens.END_OF_PROMPT_ID
                    + " (the folder declares other added tokens before it)");
        }
        // DJL's defaults would truncate at 512 tokens; the official tokenizer never truncates
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false",
                "modelMaxLength", String.valueOf(Integer.MAX_VALUE));
        HuggingFaceTokenizer tk = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(built.json()), options);
        return new QwenTokenizer(tk, built.addedTokens(), built.size(), dir.toString());
    }

    /** Token ids of {@code text}. */
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    /** Number of tokens of {@code text} (the length measure of the sentence splitter, §2.1). */
    public int count(String text) { return tokenizer.encode(text).getIds().length; }

    /** Text of {@code ids}, special tokens dropped (the official {@code skip_special_tokens=True}). */
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        return tokenizer.decode(l, true);
    }

    /** Id of an added (special) token, e.g. {@code <|endofprompt|>}. */
    public OptionalInt specialId(String token) {
        Integer id = addedTokens.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Added tokens with their ids, in id order. */
    public Map<String, Integer> addedTokens() { return addedTokens; }

    /** Text vocabulary size (151924 for CosyVoice3 on the real vocabulary). */
    public int size() { return size; }

    public String source() { return source; }

    @Override
    public void close() { tokenizer.close(); }
}
