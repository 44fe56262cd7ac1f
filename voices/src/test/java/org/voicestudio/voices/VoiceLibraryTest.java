package org.voicestudio.voices;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.pipeline.VoicePrompt;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class VoiceLibraryTest {
    @TempDir Path dir;

    @Test
    void savedVoiceReadsBackEqualAndConvertsToThePipelinePrompt() throws Exception {
        VoiceLibrary lib = new VoiceLibrary(dir);
        SourceRecording rec = new SourceRecording("ana.wav", 48000, 4.5, new byte[] {1, 2, 3, 4, 5});
        VoiceProfile ana = GoldenVoice.named("Ana", Optional.of(rec));
        Path f = lib.save(ana, false);
        assertEquals("Ana.voice", f.getFileName().toString());
        assertEquals(ana, lib.get("Ana").orElseThrow());
        assertEquals(List.of(ana), lib.list().voices());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file is left behind");
        }
        VoicePrompt p = ana.toVoicePrompt();
        assertArrayEquals(ana.promptSpeechTokens(), p.promptSpeechTokens());
        assertEquals(2 * p.promptSpeechTokens().length, p.promptMel().frames());
        assertArrayEquals(ana.embedding(), p.embedding());
    }

    @Test
    void namesWithAnyCharactersMapToOneFileAndBack() throws Exception {
        VoiceLibrary lib = new VoiceLibrary(dir);
        for (String name : List.of("María José", "a/b", "a_b", "..", "Ω")) lib.save(GoldenVoice.named(name, Optional.empty()), false);
        assertEquals(List.of("..", "a/b", "a_b", "María José", "Ω"), lib.list().voices().stream().map(VoiceProfile::name).toList());
        assertTrue(Files.exists(dir.resolve("Mar%C3%ADa%20Jos%C3%A9.voice")));
    }

    @Test
    void duplicateNamesAndMissingVoicesAreClearErrors() throws Exception {
        VoiceLibrary lib = new VoiceLibrary(dir);
        lib.save(GoldenVoice.named("Ana", Optional.empty()), false);
        FileAlreadyExistsException dup = assertThrows(FileAlreadyExistsException.class, () -> lib.save(GoldenVoice.named("Ana", Optional.empty()), false));
        assertTrue(dup.getMessage().contains("already exists"), dup.getMessage());
        lib.save(GoldenVoice.named("Ana", Optional.empty()), true);
        lib.remove("Ana");
        assertTrue(lib.get("Ana").isEmpty());
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> lib.remove("Ana"));
        assertTrue(missing.getMessage().contains("no voice named 'Ana'"), missing.getMessage());
    }

    @Test
    void corruptFilesAreReportedAndSkippedNeverTakingTheLibraryDown() throws Exception {
        VoiceLibrary lib = new VoiceLibrary(dir);
        Path good = lib.save(GoldenVoice.named("Good", Optional.empty()), false);
        Files.write(dir.resolve("garbage.voice"), new byte[] {1, 2, 3});
        byte[] whole = Files.readAllBytes(good);
        Files.write(dir.resolve("Truncated.voice"), java.util.Arrays.copyOf(whole, whole.length - 100));
        Files.write(dir.resolve("Future.voice"), new String(whole, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("\"version\":\"1\"", "\"version\":\"9\"").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Files.writeString(dir.resolve("notes.txt"), "not a voice");
        org.voicestudio.inference.tensor.SafeTensors.write(dir.resolve("Other.voice"),
                java.util.Map.of("x", org.voicestudio.inference.tensor.Tensor.ofFloats(new float[] {1}, 1)), java.util.Map.of());

        VoiceLibrary.Listing l = lib.list();
        assertEquals(List.of("Good"), l.voices().stream().map(VoiceProfile::name).toList());
        assertEquals(List.of("Future.voice", "Other.voice", "Truncated.voice", "garbage.voice"), l.problems().stream().map(p -> p.file().getFileName().toString()).toList());
        assertTrue(l.problems().get(0).message().contains("newer"), l.problems().get(0).message());
        assertTrue(l.problems().get(1).message().contains("not a Voice Studio voice file"), l.problems().get(1).message());
        assertTrue(l.problems().get(2).message().contains("Truncated.voice"), l.problems().get(2).message());
        assertTrue(l.problems().get(3).message().contains("garbage.voice"), l.problems().get(3).message());
    }

    @Test
    void profileRejectsMisalignedPromptMel() {
        VoiceProfile v = GoldenVoice.named("x", Optional.empty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VoiceProfile("x", "es", "", v.promptTextIds(),
                java.util.Arrays.copyOf(v.promptSpeechTokens(), 11), v.promptMel(), v.embedding(), Optional.empty()));
        assertTrue(e.getMessage().contains("2 per speech token"), e.getMessage());
    }
}
