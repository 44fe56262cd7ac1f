package org.voicestudio.inference.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class VoicePromptFileTest {

    @Test
    void goldenPromptSurvivesARoundTrip(@TempDir Path dir) throws IOException {
        var feat = Golden.tensor("flow_prompt_feat");   // (1, 2P, 80) time-major
        VoicePrompt voice = new VoicePrompt(Golden.tensor("llm_prompt_text").toInts(), Golden.tensor("flow_prompt_token").toInts(),
                Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)), Golden.tensor("flow_embedding").toFloats());
        Path file = dir.resolve("voice.safetensors");
        VoicePromptFile.write(file, voice);
        VoicePrompt back = VoicePromptFile.read(file);
        assertArrayEquals(voice.promptTextIds(), back.promptTextIds());
        assertArrayEquals(voice.promptSpeechTokens(), back.promptSpeechTokens());
        assertEquals(voice.promptMel(), back.promptMel());
        assertArrayEquals(voice.embedding(), back.embedding());
    }

    @Test
    void aFileWithoutTheVoiceKeysIsRejectedWithTheirNames() {
        Path golden = Golden.tinyModel().resolve("golden.safetensors");
        IOException e = assertThrows(IOException.class, () -> VoicePromptFile.read(golden));
        assertTrue(e.getMessage().contains("prompt_speech_token"), e.getMessage());
        assertTrue(Files.exists(golden));
    }
}
