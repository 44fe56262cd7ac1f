package org.voicestudio.app.cli;

import org.voicestudio.inference.frontend.PromptText;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.SpecialTokens;
import org.voicestudio.inference.loading.ModelFolder;

import java.io.IOException;

/** Text to token ids with the model folder's tokenizer ({@code CosyVoice-BlankEN}). */
final class TextIds {
    private TextIds() {}

    /**
     * @param option    the option the text came from (for the error message)
     * @param idsOption the option that takes ids instead
     */
    static int[] encode(ModelFolder folder, String text, String option, String idsOption) {
        QwenTokenizer tokenizer;
        try {
            tokenizer = QwenTokenizer.forModel(folder.dir());
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " needs the text tokenizer of the model folder, which is not available ("
                    + e.getMessage() + "); give token ids with " + idsOption + " instead", e);
        }
        try (tokenizer) {
            int[] ids = tokenizer.encode(text);
            if (ids.length == 0) throw new IllegalArgumentException(option + " gives no tokens");
            return ids;
        }
    }

    /** A transcript as CosyVoice3 prompt text: plain text gets the official zero-shot prefix ending in {@code <|endofprompt|>}. */
    static String promptText(String transcript) {
        return transcript.contains(SpecialTokens.END_OF_PROMPT) ? transcript : PromptText.zeroShot(transcript.strip());
    }
}
