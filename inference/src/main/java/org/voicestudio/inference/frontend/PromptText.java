package org.voicestudio.inference.frontend;

/**
 * CosyVoice3's prompt conventions (reference §2.2, {@code example.py}). The LM needs
 * {@code <|endofprompt|>} in the prompt text or the text: everything before it is the system /
 * instruction part.
 */
public final class PromptText {
    public static final String SYSTEM = "You are a helpful assistant.";

    private PromptText() {}

    /** Zero-shot prompt text: system prompt, {@code <|endofprompt|>}, then the recording's transcript. */
    public static String zeroShot(String transcript) {
        return SYSTEM + SpecialTokens.END_OF_PROMPT + transcript;
    }

    /** Instruct prompt text, e.g. {@code instruct("Please speak as fast as possible.")}. */
    public static String instruct(String instruction) {
        String i = instruction.strip();
        if (i.contains(SpecialTokens.END_OF_PROMPT)) throw new IllegalArgumentException("the instruction must not contain " + SpecialTokens.END_OF_PROMPT + " itself: " + instruction);
        return SYSTEM + " " + i + SpecialTokens.END_OF_PROMPT;
    }

    /** True when the text carries a special token ({@code <|...|>}); the official frontend then neither normalizes nor splits it. */
    public static boolean hasSpecialTokens(String text) {
        return text.contains("<|") && text.contains("|>");
    }

    /**
     * The official assert of CosyVoice3 as a clear error: {@code <|endofprompt|>} must appear in
     * the prompt text or in the text.
     */
    public static void requireEndOfPrompt(String promptText, String text) {
        if (!(promptText + text).contains(SpecialTokens.END_OF_PROMPT)) {
            throw new IllegalArgumentException("CosyVoice3 needs " + SpecialTokens.END_OF_PROMPT + " in the prompt text or the text; got prompt text \""
                    + abbreviate(promptText) + "\". Use a zero-shot prompt (\"" + SYSTEM + SpecialTokens.END_OF_PROMPT + "\" + transcript) or an instruct prompt.");
        }
    }

    /** The same check on token ids (151646 on the real vocabulary). */
    public static void requireEndOfPrompt(int[] promptTextIds, int[] textIds, int endOfPromptId) {
        for (int id : promptTextIds) if (id == endOfPromptId) return;
        for (int id : textIds) if (id == endOfPromptId) return;
        throw new IllegalArgumentException("CosyVoice3 needs " + SpecialTokens.END_OF_PROMPT + " (id " + endOfPromptId + ") in the prompt text or the text ids; neither has it");
    }

    private static String abbreviate(String s) { return s.length() <= 60 ? s : s.substring(0, 57) + "..."; }
}
