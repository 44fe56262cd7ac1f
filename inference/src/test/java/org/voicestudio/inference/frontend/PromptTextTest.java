package org.voicestudio.inference.frontend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PromptTextTest {
    @Test
    void zeroShotAndInstructFollowTheOfficialExamples() {
        assertEquals("You are a helpful assistant.<|endofprompt|>Hola a todos.", PromptText.zeroShot("Hola a todos."));
        assertEquals("You are a helpful assistant. Please speak as fast as possible.<|endofprompt|>",
                PromptText.instruct("Please speak as fast as possible."));
    }

    @Test
    void missingEndOfPromptIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptText.requireEndOfPrompt("Hola a todos.", "Buenos días."));
        assertTrue(e.getMessage().contains("<|endofprompt|>") && e.getMessage().contains("Hola a todos."), e.getMessage());
        PromptText.requireEndOfPrompt(PromptText.zeroShot("Hola."), "Buenos días.");
        PromptText.requireEndOfPrompt("", "You are a helpful assistant.<|endofprompt|>Buenos días.");
        assertThrows(IllegalArgumentException.class, () -> PromptText.requireEndOfPrompt(new int[] {1, 2}, new int[] {3}, 151646));
        PromptText.requireEndOfPrompt(new int[] {1, 151646}, new int[] {3}, 151646);
    }
}
