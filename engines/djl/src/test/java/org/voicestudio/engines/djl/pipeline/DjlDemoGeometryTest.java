package org.voicestudio.engines.djl.pipeline;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.engines.djl.flow.DjlFlowModel;
import org.voicestudio.engines.djl.llm.DjlSpeechLanguageModel;
import org.voicestudio.engines.djl.vocoder.DjlVocoder;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.TextFrontend;
import org.voicestudio.inference.frontend.TextNormalizer;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.RandomModel;
import org.voicestudio.inference.pipeline.AudioRecorder;
import org.voicestudio.inference.pipeline.SpeechPipeline;
import org.voicestudio.inference.pipeline.SpeechTokenSource;
import org.voicestudio.inference.pipeline.Synthesis;
import org.voicestudio.inference.pipeline.SynthesisRequest;
import org.voicestudio.inference.pipeline.VoicePrompt;
import org.voicestudio.inference.tensor.DType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The demo model's geometry (issue 8: 512 speech codes, a small byte-level BPE, Qwen2 256 x 6,
 * DiT 192 x 6, HiFT base 128) end to end on the DJL engine, with random weights: every size the
 * stages use comes from the folder's configuration, not from Fun-CosyVoice3-0.5B's constants.
 */
class DjlDemoGeometryTest {
    private static final Duration END = Duration.ofSeconds(120);

    @TempDir static Path dir;
    private static ModelFolder folder;
    private static DjlSpeechLanguageModel llm;
    private static DjlFlowModel flow;
    private static DjlVocoder vocoder;
    private static QwenTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        RandomModel.write(dir, RandomModel.Geometry.DEMO, 3, DType.F32);
        folder = ModelFolder.open(dir);
        llm = new DjlSpeechLanguageModel(folder);
        flow = new DjlFlowModel(folder);
        vocoder = new DjlVocoder(folder);
        tokenizer = QwenTokenizer.forModel(dir);
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) tokenizer.close();
        if (vocoder != null) vocoder.close();
        if (flow != null) flow.close();
        if (llm != null) llm.close();
        if (folder != null) folder.close();
    }

    /** A voice of 40 prompt tokens (< 512) with a mel of 80 channels and a 192-d embedding. */
    private static VoicePrompt voice(TextFrontend frontend) {
        Random r = new Random(11);
        int[] tokens = r.ints(40, 0, 512).toArray();
        float[] mel = new float[80 * 80];
        for (int i = 0; i < mel.length; i++) mel[i] = (float) (-6 + r.nextGaussian());
        float[] embedding = new float[192];
        for (int i = 0; i < embedding.length; i++) embedding[i] = (float) r.nextGaussian();
        return new VoicePrompt(frontend.promptTextIds("hola a todos"), tokens, Mel.fromTimeMajor(mel, 80, 80), embedding);
    }

    @Test
    void theLlmScoresTheDemoSpeechVocabulary() {
        assertEquals(712, llm.speechVocabSize());
        TextFrontend frontend = new TextFrontend(tokenizer, TextNormalizer.forLanguage("es"));
        VoicePrompt v = voice(frontend);
        int[] text = frontend.encode("buenos días");
        int[] ids = new int[v.promptTextIds().length + text.length];
        System.arraycopy(v.promptTextIds(), 0, ids, 0, v.promptTextIds().length);
        System.arraycopy(text, 0, ids, v.promptTextIds().length, text.length);
        try (SpeechLanguageModel.LmSession s = llm.start(ids, v.promptSpeechTokens())) {
            float[] logp = s.logProbs();
            assertEquals(712, logp.length);
            double total = 0;
            for (float x : logp) total += Math.exp(x);
            assertEquals(1.0, total, 1e-4, "a log-softmax over the 712 speech rows");
        }
    }

    @Test
    void aSpanishSentenceIsSynthesizedEndToEnd() throws Exception {
        TextFrontend frontend = new TextFrontend(tokenizer, TextNormalizer.forLanguage("es"));
        int[] text = frontend.prepare("Tengo 3 gatos.").sentences().getFirst().tokenIds();
        SpeechPipeline pipeline = new SpeechPipeline(SpeechTokenSource.llm(llm, folder.config()), flow, vocoder,
                SpeechPipeline.Settings.of(folder.config()));
        AudioRecorder audio = new AudioRecorder();
        Synthesis s = pipeline.start(new SynthesisRequest(text, voice(frontend), 4, true), audio);
        assertTrue(s.await(END), "finished within " + END);
        assertEquals(Synthesis.Outcome.FINISHED, s.outcome(), () -> String.valueOf(s.failure()));
        int[] tokens = audio.tokens();
        assertTrue(tokens.length >= 2 * text.length && tokens.length <= 20 * text.length,
                tokens.length + " speech tokens for " + text.length + " text tokens (the official 2x..20x limits)");
        for (int t : tokens) assertTrue(t >= 0 && t < 512, "speech token " + t + " is a code of the 512-code model");
        float[] wave = audio.samples();
        assertTrue(wave.length > 0, "audio");
        assertTrue(wave.length <= tokens.length * 960, wave.length + " samples for " + tokens.length + " tokens (960 per token at most)");
        for (float x : wave) assertTrue(Float.isFinite(x) && Math.abs(x) <= 0.99f + 1e-6f, "sample " + x + " within audio_limit");
    }
}
