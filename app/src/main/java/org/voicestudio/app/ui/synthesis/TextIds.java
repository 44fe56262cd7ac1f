package org.voicestudio.app.ui.synthesis;

import org.voicestudio.inference.frontend.LanguageRules;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.SentenceSplitter;
import org.voicestudio.inference.frontend.TextFrontend;
import org.voicestudio.inference.frontend.TextNormalizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How the studio turns typed text into the sentences and token ids the pipeline synthesizes.
 * A real model folder carries its tokenizer ({@code CosyVoice-BlankEN/}), and the text goes
 * through {@code inference/frontend}: normalization in the chosen language, the official sentence
 * split, Qwen2 BPE. The untrained demo model has no tokenizer files and a 1000-entry text
 * vocabulary; its text ids are the text's UTF-8 bytes (all below 256), split with the same
 * sentence rules counting bytes. It makes noise either way; the window says so.
 */
public sealed interface TextIds extends AutoCloseable {
    /** The sentences of {@code text} (normalized as the frontend does) with their ids. */
    List<Sentence> prepare(String text, String language);

    /** Languages the text can be normalized in. */
    List<String> languages();

    @Override
    default void close() {}

    /** One synthesis unit: its text and token ids. */
    record Sentence(String text, int[] ids) {}

    /** The model's own tokenizer if its folder has one, else the demo model's byte ids. */
    static TextIds forModel(Path modelDir) throws IOException {
        Path tok = modelDir.resolve(QwenTokenizer.FOLDER);
        boolean hasTokenizer = Files.isRegularFile(tok.resolve("tokenizer.json"))
                || (Files.isRegularFile(tok.resolve("vocab.json")) && Files.isRegularFile(tok.resolve("merges.txt")));
        return hasTokenizer ? new Frontend(QwenTokenizer.forModel(modelDir)) : new DemoBytes();
    }

    /** The real frontend: one {@link TextFrontend} per language, sharing the model's tokenizer. */
    final class Frontend implements TextIds {
        private final QwenTokenizer tokenizer;
        private final Map<String, TextFrontend> byLanguage = new ConcurrentHashMap<>();

        Frontend(QwenTokenizer tokenizer) { this.tokenizer = tokenizer; }

        @Override
        public List<Sentence> prepare(String text, String language) {
            return byLanguage.computeIfAbsent(language, l -> new TextFrontend(tokenizer, TextNormalizer.forLanguage(l)))
                    .prepare(text).sentences().stream().map(s -> new Sentence(s.text(), s.tokenIds())).toList();
        }

        @Override
        public List<String> languages() { return LanguageRules.available(); }

        @Override
        public void close() { tokenizer.close(); }
    }

    /** The demo model's text ids: UTF-8 bytes, no normalization (there is no tokenizer to normalize for). */
    final class DemoBytes implements TextIds {
        private final SentenceSplitter splitter = new SentenceSplitter(s -> s.getBytes(StandardCharsets.UTF_8).length);

        @Override
        public List<Sentence> prepare(String text, String language) {
            String t = text.strip();
            return t.isEmpty() ? List.of() : splitter.split(t).stream().map(s -> new Sentence(s, encode(s))).toList();
        }

        @Override
        public List<String> languages() { return LanguageRules.available(); }

        static int[] encode(String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xff;
            return ids;
        }
    }
}
