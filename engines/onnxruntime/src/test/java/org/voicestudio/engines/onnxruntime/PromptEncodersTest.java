package org.voicestudio.engines.onnxruntime;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import static org.junit.jupiter.api.Assertions.*;

/** The ONNX stand-ins of cv3-tiny, fed the golden inputs, against the outputs the official frontend got. */
class PromptEncodersTest {
    /** Same runtime and options as the reference (ORT CPU, ORT_ENABLE_ALL, 1 thread); only the ORT version differs. */
    private static final double EMBEDDING_TOL = 1e-5;

    @Test
    void campPlusEmbeddingMatchesOfficialFrontend() throws Exception {
        Tensor in = Golden.tensor("fe_campplus_input");   // [1, 128, 80]
        float[] want = Golden.tensor("fe_campplus_embedding").toFloats(); // [1, 192]
        try (CampPlusEncoder enc = CampPlusEncoder.forModel(Golden.tinyModel())) {
            float[] got = enc.embed(in.toFloats(), (int) in.dim(1));
            assertEquals(192, got.length);
            for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], EMBEDDING_TOL, "embedding[" + i + "]");
        }
    }

    @Test
    void speechTokensMatchOfficialFrontend() throws Exception {
        Tensor mel = Golden.tensor("fe_whisper_logmel"); // [1, 128, 130]
        int[] want = Golden.tensor("fe_speech_tokens").toInts(); // [1, 33]
        assertEquals((int) mel.dim(2), Golden.tensor("fe_tokenizer_feats_length").toInts()[0]);
        try (S3SpeechTokenizer tok = S3SpeechTokenizer.forModel(Golden.tinyModel())) {
            assertArrayEquals(want, tok.tokenize(mel.toFloats(), (int) mel.dim(2)));
        }
    }

    @Test
    void badInputsAreClearErrors() throws Exception {
        try (CampPlusEncoder enc = CampPlusEncoder.forModel(Golden.tinyModel());
             S3SpeechTokenizer tok = S3SpeechTokenizer.forModel(Golden.tinyModel())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> enc.embed(new float[79], 1));
            assertTrue(e.getMessage().contains("(T, 80)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> tok.tokenize(new float[128 * 3001], 3001));
            assertTrue(e.getMessage().contains("30 s"), e.getMessage());
        }
        java.io.IOException missing = assertThrows(java.io.IOException.class, () -> CampPlusEncoder.forModel(java.nio.file.Path.of("/nonexistent")));
        assertTrue(missing.getMessage().contains("campplus.onnx"), missing.getMessage());
    }

    @Test
    void tokensBeyondTheModelsCodebookAreRefused() throws Exception {
        Tensor mel = Golden.tensor("fe_whisper_logmel");
        int max = java.util.Arrays.stream(Golden.tensor("fe_speech_tokens").toInts()).max().orElseThrow();
        try (S3SpeechTokenizer tok = new S3SpeechTokenizer(Golden.tinyModel().resolve(S3SpeechTokenizer.FILE), max)) {
            var e = assertThrows(IllegalStateException.class, () -> tok.tokenize(mel.toFloats(), (int) mel.dim(2)));
            assertTrue(e.getMessage().contains("outside [0, " + max + "), the model's speech_token_size"), e.getMessage());
        }
    }
}
