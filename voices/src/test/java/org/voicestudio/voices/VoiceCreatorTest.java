package org.voicestudio.voices;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.engines.onnxruntime.CampPlusEncoder;
import org.voicestudio.engines.onnxruntime.S3SpeechTokenizer;
import org.voicestudio.inference.audio.WavIo;
import org.voicestudio.inference.frontend.PromptText;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.testing.TinyModelConfig;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** A voice made from the fixture's waveform against the tensors the official frontend made from it. */
class VoiceCreatorTest {
    /**
     * The Matcha mel where it carries signal (ln magnitude ≥ -7): float64 FFT here vs torch's
     * float32 FFT, as measured by the features' own test.
     */
    private static final double MEL_TOL = 1e-4;
    /** Mel bins below ln 1e-3 hold torch's FFT rounding noise: bounded, not reproducible. */
    private static final double MEL_NOISE_TOL = 2e-2;
    private static final double MEL_NOISE_FLOOR = -7;
    /**
     * The CAM++ stand-in on our fbank vs on torchaudio's: the fbank's noise bins (up to 5e-3 after
     * mean subtraction) move the embedding by 7.3e-6 here.
     */
    private static final double EMBEDDING_TOL = 2e-5;
    /** The fixture's chirp is 1.3 s; the duration rule is the only one relaxed for it. */
    private static final RecordingCheck FIXTURE_CHECK = new RecordingCheck(1, 30);
    /** Stands in for the text tokenizer (cv3-tiny ships none); prompt text ids are not part of the fixture. */
    private static final Function<String, int[]> CODE_POINTS = s -> s.codePoints().toArray();

    private static CampPlusEncoder encoder;
    private static S3SpeechTokenizer tokenizer;
    private static VoiceCreator creator;

    @BeforeAll
    static void open() throws Exception {
        encoder = CampPlusEncoder.forModel(Golden.tinyModel());
        tokenizer = S3SpeechTokenizer.forModel(Golden.tinyModel());
        creator = new VoiceCreator(TinyModelConfig.config().featExtractor(), encoder, tokenizer, CODE_POINTS, FIXTURE_CHECK);
    }

    @AfterAll
    static void close() {
        if (encoder != null) encoder.close();
        if (tokenizer != null) tokenizer.close();
    }

    private static void assertMatchesOfficialFrontend(VoiceProfile v) {
        // official alignment: 65 mel frames, 33 tokens -> token_len = min(65 // 2, 33) = 32
        int[] tokens = Golden.tensor("fe_speech_tokens").toInts();
        assertArrayEquals(Arrays.copyOf(tokens, 32), v.promptSpeechTokens(), "speech tokens");
        float[] mel = Golden.tensor("fe_mel_24k").toFloats();                       // (1, 65, 80) time-major
        float[] got = v.promptMel().toTimeMajor();                                   // (64, 80)
        assertEquals(64 * 80, got.length);
        double maxSignal = 0, maxNoise = 0;
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs(mel[i] - got[i]);
            if (mel[i] >= MEL_NOISE_FLOOR) maxSignal = Math.max(maxSignal, d); else maxNoise = Math.max(maxNoise, d);
        }
        assertTrue(maxSignal <= MEL_TOL, "prompt mel: max difference " + maxSignal);
        assertTrue(maxNoise <= MEL_NOISE_TOL, "prompt mel noise bins: max difference " + maxNoise);
        float[] emb = Golden.tensor("fe_campplus_embedding").toFloats();
        double maxEmb = 0;
        for (int i = 0; i < emb.length; i++) maxEmb = Math.max(maxEmb, Math.abs(emb[i] - v.embedding()[i]));
        assertTrue(maxEmb <= EMBEDDING_TOL, "speaker embedding: max difference " + maxEmb);
        assertArrayEquals(CODE_POINTS.apply(PromptText.zeroShot("a rising chirp")), v.promptTextIds(), "prompt text = zero-shot prefix + transcript");
        assertEquals(v.promptMel().frames(), 2 * v.toVoicePrompt().promptSpeechTokens().length);
    }

    @Test
    void voiceFromTheFixtureWaveformMatchesTheOfficialFrontend() throws Exception {
        VoiceCreator.Result r = creator.create("chirp", "en", "a rising chirp", Golden.tensor("fe_wave_24k").toFloats(), 24000, Optional.empty());
        assertEquals(java.util.List.of(), r.warnings());
        assertMatchesOfficialFrontend(r.voice());
    }

    @Test
    void voiceFromAWavFileKeepsTheRecordingAndMatches(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("chirp.wav");
        WavIo.writeFloat(wav, 24000, Golden.tensor("fe_wave_24k").toFloats());   // float32 WAV: lossless
        Recordings.Loaded rec = Recordings.read(wav);
        VoiceProfile v = creator.create("chirp", "en", " a rising chirp ", rec).voice();
        assertMatchesOfficialFrontend(v);
        assertEquals("chirp.wav", v.source().orElseThrow().fileName());
        assertEquals(24000, v.source().orElseThrow().sampleRate());
        assertArrayEquals(java.nio.file.Files.readAllBytes(wav), v.source().orElseThrow().bytes());
        VoiceLibrary lib = new VoiceLibrary(dir.resolve("lib"));
        lib.save(v, false);
        assertEquals(v, lib.get("chirp").orElseThrow());
    }

    @Test
    void badRecordingFilesGiveClearMessages(@TempDir Path dir) throws Exception {
        float[] tone = new float[8000 * 5];
        for (int i = 0; i < tone.length; i++) tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 200 * i / 8000.0));
        Path low = dir.resolve("phone.wav");
        WavIo.writePcm16(low, 8000, tone);
        RecordingCheck.BadRecordingException e = assertThrows(RecordingCheck.BadRecordingException.class,
                () -> creator.create("x", "en", "hello", Recordings.read(low)));
        assertTrue(e.getMessage().contains("phone.wav") && e.getMessage().contains("8000 Hz"), e.getMessage());

        Path silent = dir.resolve("silent.wav");
        WavIo.writePcm16(silent, 16000, new float[16000 * 4]);
        e = assertThrows(RecordingCheck.BadRecordingException.class, () -> creator.create("x", "en", "hello", Recordings.read(silent)));
        assertTrue(e.getMessage().contains("silent.wav is silent"), e.getMessage());

        Path text = dir.resolve("notes.wav");
        java.nio.file.Files.writeString(text, "not audio");
        java.io.IOException io = assertThrows(java.io.IOException.class, () -> Recordings.read(text));
        assertTrue(io.getMessage().contains("not a WAV, FLAC or MP3 file"), io.getMessage());

        IllegalArgumentException noText = assertThrows(IllegalArgumentException.class,
                () -> creator.create("x", "en", " ", Golden.tensor("fe_wave_24k").toFloats(), 24000, Optional.empty()));
        assertTrue(noText.getMessage().contains("transcript"), noText.getMessage());
    }
}
