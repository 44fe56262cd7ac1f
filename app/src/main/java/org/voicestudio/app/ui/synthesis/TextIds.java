package org.voicestudio.app.ui.synthesis;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How the studio turns typed text into the sentences and token ids the pipeline synthesizes.
 * The untrained demo model has no tokenizer files and a 1000-entry text vocabulary; its text ids
 * are the text's UTF-8 bytes (all below 256). It makes noise either way; the window says so.
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

    static TextIds forModel(Path modelDir) throws IOException {
        Path tok = modelDir.resolve("CosyVoice-BlankEN");
        boolean hasTokenizer = Files.isRegularFile(tok.resolve("tokenizer.json"))
                || (Files.isRegularFile(tok.resolve("vocab.json")) && Files.isRegularFile(tok.resolve("merges.txt")));
        if (hasTokenizer) throw new IOException("this build has no text frontend yet (inference/frontend is not merged), so "
                + modelDir + " cannot tokenize text");
        return new DemoBytes();
    }

    /** The demo model's text ids: UTF-8 bytes, no normalization (there is no tokenizer to normalize for). */
    final class DemoBytes implements TextIds {
        @Override
        public List<Sentence> prepare(String text, String language) {
            String t = text.strip();
            return t.isEmpty() ? List.of() : List.of(new Sentence(t, encode(t)));
        }

        @Override
        public List<String> languages() { return List.of("en"); }

        static int[] encode(String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xff;
            return ids;
        }
    }
}
