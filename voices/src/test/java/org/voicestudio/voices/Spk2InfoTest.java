package org.voicestudio.voices;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class Spk2InfoTest {
    @TempDir Path dir;

    private static VoiceProfile shorter(VoiceProfile v, String name, int tokens) {
        return new VoiceProfile(name, "", "", v.promptTextIds(), Arrays.copyOf(v.promptSpeechTokens(), tokens),
                v.promptMel().slice(0, 2 * tokens), v.embedding(), Optional.empty());
    }

    @Test
    void exportWritesTheOfficialEntryLayout() throws Exception {
        Path f = dir.resolve("spk2info.pt");
        VoiceProfile v = GoldenVoice.named("001", Optional.empty());
        Spk2Info.write(f, List.of(v));
        try (PtReader.PtFile pt = PtReader.read(f)) {
            Map<?, ?> entry = (Map<?, ?>) ((Map<?, ?>) pt.root()).get("001");
            assertEquals(List.of("prompt_text", "prompt_text_len", "llm_prompt_speech_token", "llm_prompt_speech_token_len",
                    "flow_prompt_speech_token", "flow_prompt_speech_token_len", "prompt_speech_feat", "prompt_speech_feat_len",
                    "llm_embedding", "flow_embedding"), entry.keySet().stream().map(String::valueOf).toList());
            int lp = v.promptTextIds().length, p = v.promptSpeechTokens().length;
            assertShape(entry, "prompt_text", DType.I32, 1, lp);
            assertShape(entry, "prompt_text_len", DType.I32, 1);
            assertShape(entry, "flow_prompt_speech_token", DType.I32, 1, p);
            assertShape(entry, "prompt_speech_feat", DType.F32, 1, 2 * p, 80);
            assertShape(entry, "prompt_speech_feat_len", DType.I32, 1);
            assertShape(entry, "flow_embedding", DType.F32, 1, 192);
            assertEquals(2 * p, ((Tensor) entry.get("prompt_speech_feat_len")).toInts()[0]);
            assertArrayEquals(v.promptSpeechTokens(), ((Tensor) entry.get("llm_prompt_speech_token")).toInts());
        }
    }

    private static void assertShape(Map<?, ?> entry, String key, DType dtype, long... shape) {
        Tensor t = (Tensor) entry.get(key);
        assertEquals(dtype, t.dtype(), key);
        assertArrayEquals(shape, t.shape(), key);
    }

    @Test
    void importExportImportIsLossless() throws Exception {
        VoiceProfile golden = GoldenVoice.named("001", Optional.empty());
        // same file name: torch names the archive's folder after it
        Path a = Files.createDirectories(dir.resolve("a")).resolve("spk2info.pt"), b = Files.createDirectories(dir.resolve("b")).resolve("spk2info.pt");
        Spk2Info.write(a, List.of(golden, shorter(golden, "María", 7)));
        List<VoiceProfile> first = Spk2Info.read(a, null);
        Spk2Info.write(b, first);
        List<VoiceProfile> second = Spk2Info.read(b, null);
        assertEquals(first, second);
        assertEquals(List.of("001", "María"), second.stream().map(VoiceProfile::name).toList());
        assertArrayEquals(golden.promptTextIds(), second.getFirst().promptTextIds());
        assertArrayEquals(golden.promptSpeechTokens(), second.getFirst().promptSpeechTokens());
        assertEquals(golden.promptMel(), second.getFirst().promptMel());
        assertArrayEquals(golden.embedding(), second.getFirst().embedding());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "the writer is deterministic");
    }

    @Test
    void transcriptIsRecoveredWhenADecoderIsGiven() throws Exception {
        Path a = dir.resolve("a.pt");
        Spk2Info.write(a, List.of(GoldenVoice.named("001", Optional.empty())));
        assertEquals("6 ids", Spk2Info.read(a, ids -> ids.length + " ids").getFirst().transcript());
    }

    @Test
    void filesThatAreNotSpeakerDictsAreClearErrors() throws Exception {
        Path notDict = dir.resolve("x.pt");
        org.voicestudio.inference.loading.PtWriter.write(notDict, Map.of("001", Map.of("prompt_text", Tensor.ofInts(new int[] {1, 2}, 1, 2))));
        IOException e = assertThrows(IOException.class, () -> Spk2Info.read(notDict, null));
        assertTrue(e.getMessage().contains("speaker '001'") && e.getMessage().contains("flow_prompt_speech_token"), e.getMessage());
        Path garbage = dir.resolve("g.pt");
        Files.write(garbage, new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> Spk2Info.read(garbage, null));
    }
}
