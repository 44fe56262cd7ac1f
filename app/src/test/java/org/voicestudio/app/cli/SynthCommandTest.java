package org.voicestudio.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.audio.WavIo;
import org.voicestudio.inference.pipeline.VoicePrompt;
import org.voicestudio.inference.pipeline.VoicePromptFile;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class SynthCommandTest {

    static Path goldenVoiceFile(Path dir) throws Exception {
        Tensor feat = Golden.tensor("flow_prompt_feat");
        VoicePrompt voice = new VoicePrompt(Golden.tensor("llm_prompt_text").toInts(), Golden.tensor("flow_prompt_token").toInts(),
                Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)), Golden.tensor("flow_embedding").toFloats());
        Path file = dir.resolve("voice.safetensors");
        VoicePromptFile.write(file, voice);
        return file;
    }

    private static String ids(String tensor) {
        return Arrays.stream(Golden.tensor(tensor).toInts()).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @Test
    void synthOnTheTinyModelWritesAWavAndPrintsStageMetrics(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("out.wav");
        Cli.Run r = Cli.studio("synth", "--model", Golden.tinyModel().toString(), "--voice", goldenVoiceFile(dir).toString(),
                "--text-ids", ids("llm_text"), "--out", wav.toString(), "--stream", "--seed", "5");
        assertEquals(0, r.exit(), r.err() + r.out());
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            AudioFormat f = in.getFormat();
            assertEquals(24000, f.getSampleRate());
            assertEquals(16, f.getSampleSizeInBits());
            assertEquals(1, f.getChannels());
            assertTrue(in.getFrameLength() > 0, "audio written");
            assertEquals(0, in.getFrameLength() % 960, "whole speech tokens of audio (960 samples each)");
        }
        for (String stage : new String[] {"LLM", "Flow", "Vocoder", "end-to-end"}) assertTrue(r.out().contains(stage), r.out());
    }

    @Test
    void synthFromARecordingRunsTheVoiceFrontend(@TempDir Path dir) throws Exception {
        // the fixture's 1.3 s chirp three times over: a voice needs 3-30 s
        float[] chirp = Golden.tensor("fe_wave_24k").toFloats();
        float[] rec = new float[3 * chirp.length];
        for (int i = 0; i < 3; i++) System.arraycopy(chirp, 0, rec, i * chirp.length, chirp.length);
        Path prompt = dir.resolve("prompt.wav");
        WavIo.writeFloat(prompt, 24000, rec);
        Path wav = dir.resolve("out.wav");
        // cv3-tiny has no tokenizer files: prompt and text are given as ids, the transcript is still required
        Cli.Run r = Cli.studio("synth", "--model", Golden.tinyModel().toString(), "--prompt-wav", prompt.toString(), "--prompt-text", "a rising chirp",
                "--prompt-text-ids", ids("llm_prompt_text"), "--text-ids", ids("llm_text"), "--out", wav.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(WavIo.read(wav).samples().length > 0);
    }

    @Test
    void anUnknownVoiceIsAClearError(@TempDir Path dir) {
        Cli.Run r = Cli.studio("synth", "--model", Golden.tinyModel().toString(), "--voice", dir.resolve("missing.voice").toString(),
                "--text-ids", "1,2,3", "--out", dir.resolve("x.wav").toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("missing.voice"), r.err());
    }

    @Test
    void textWithoutATokenizerIsAClearError(@TempDir Path dir) throws Exception {
        Cli.Run r = Cli.studio("synth", "--model", Golden.tinyModel().toString(), "--voice", goldenVoiceFile(dir).toString(),
                "--text", "Hello there.", "--out", dir.resolve("x.wav").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("tokenizer") && r.err().contains("--text-ids"), r.err());
        assertFalse(Files.exists(dir.resolve("x.wav")));
    }

    @Test
    void withoutModelTheBundledOneSpeaksInItsBundledVoice(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("VOICESTUDIO_MODEL") == null, "VOICESTUDIO_MODEL is set: it is the default model");
        Path model = dir.resolve("install").resolve(org.voicestudio.app.BundledModel.RELATIVE);
        org.voicestudio.inference.testing.DemoModels.standIn(model, 4);
        org.voicestudio.inference.testing.DemoModels.addVoice(model, "es-lucia", "Lucía", "es", "Hola, me llamo Lucía.");
        String before = System.getProperty(org.voicestudio.app.BundledModel.HOME_PROPERTY);
        System.setProperty(org.voicestudio.app.BundledModel.HOME_PROPERTY, dir.resolve("install").toString());
        try {
            Path wav = dir.resolve("out.wav");
            Cli.Run r = Cli.studio("synth", "--library", dir.resolve("lib").toString(), "--voice", "Lucía", "--text", "Son 2.", "--lang", "es", "--out", wav.toString());
            assertEquals(0, r.exit(), r.err() + r.out());
            assertTrue(r.out().contains("normalized: ") && r.out().contains("dos"), r.out());
            assertTrue(r.out().contains("added the bundled voices Lucía"), r.out());
            assertTrue(WavIo.read(wav).samples().length > 0);
            assertTrue(Files.isRegularFile(dir.resolve("lib").resolve(new org.voicestudio.voices.VoiceLibrary(dir.resolve("lib")).fileFor("Lucía").getFileName())));
        } finally {
            if (before == null) System.clearProperty(org.voicestudio.app.BundledModel.HOME_PROPERTY);
            else System.setProperty(org.voicestudio.app.BundledModel.HOME_PROPERTY, before);
        }
        Path elsewhere = dir.resolve("empty");
        System.setProperty(org.voicestudio.app.BundledModel.HOME_PROPERTY, elsewhere.toString());
        try {
            Cli.Run r = Cli.studio("synth", "--voice", "x", "--text-ids", "1", "--out", dir.resolve("y.wav").toString());
            assertNotEquals(0, r.exit());
            assertTrue(r.err().contains("which model? pass --model DIR") && r.err().contains("the bundled model is not installed"), r.err());
        } finally {
            if (before == null) System.clearProperty(org.voicestudio.app.BundledModel.HOME_PROPERTY);
            else System.setProperty(org.voicestudio.app.BundledModel.HOME_PROPERTY, before);
        }
    }
}
