package org.voicestudio.inference.frontend;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The text tokens CosyVoice3 adds to the Qwen2 tokenizer (reference §2.2). Qwen2 already has
 * {@code <|endoftext|>} 151643, {@code <|im_start|>} 151644 and {@code <|im_end|>} 151645; the
 * 278 tokens of {@code cosyvoice3-added-tokens.txt} follow from 151646 in the official order:
 * {@code <|endofprompt|>}, the paralinguistic tags, {@code <|endofsystem|>}, ARPAbet phones with
 * stress, pinyin initials and toned finals.
 */
public final class SpecialTokens {
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_PROMPT = "<|endofprompt|>";

    /** Hard-coded in the official CosyVoice3 LM (an assert in {@code llm.py}). */
    public static final int END_OF_PROMPT_ID = 151646;
    /** Text vocabulary of CosyVoice3 after the additions (151643 BPE + 3 Qwen specials + 278). */
    public static final int COSYVOICE3_TEXT_VOCAB = 151924;

    private static final List<String> COSYVOICE3_ADDED = readList("cosyvoice3-added-tokens.txt");

    private SpecialTokens() {}

    /** The Qwen2 specials a bare BlankEN vocabulary is followed by, in id order. */
    public static List<String> qwenBase() { return List.of(END_OF_TEXT, IM_START, IM_END); }

    /** CosyVoice3's additions in official order (ids 151646.. on the real vocabulary). */
    public static List<String> cosyVoice3Added() { return COSYVOICE3_ADDED; }

    /** Every token matched whole before BPE: Qwen2's specials, then CosyVoice3's additions. */
    public static List<String> all() {
        List<String> all = new ArrayList<>(qwenBase());
        all.addAll(COSYVOICE3_ADDED);
        return List.copyOf(all);
    }

    private static List<String> readList(String resource) {
        try (InputStream in = SpecialTokens.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("resource " + resource + " is missing from the class path");
            List<String> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.isEmpty() && !line.startsWith("#")) out.add(line);
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
