package org.voicestudio.engines.djl.pipeline;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.engines.djl.flow.DjlFlowModel;
import org.voicestudio.engines.djl.llm.DjlSpeechLanguageModel;
import org.voicestudio.engines.djl.vocoder.DjlVocoder;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.metrics.MetricsCollector;
import org.voicestudio.inference.metrics.SynthesisMetrics;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.AudioRecorder;
import org.voicestudio.inference.pipeline.SpeechPipeline;
import org.voicestudio.inference.pipeline.SpeechTokenSource;
import org.voicestudio.inference.pipeline.Synthesis;
import org.voicestudio.inference.pipeline.SynthesisListener;
import org.voicestudio.inference.pipeline.SynthesisRequest;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The threaded pipeline on the DJL stages of cv3-tiny. */
class DjlSpeechPipelineTest {
    /** As {@link DjlToken2WavGoldenTest#WAVE_REL_TOL} (flow rounding amplified by the vocoder's phase). */
    private static final double WAVE_REL_TOL = DjlToken2WavGoldenTest.WAVE_REL_TOL;
    private static final Duration END = Duration.ofSeconds(120);

    private static ModelFolder folder;
    private static DjlFlowModel flow;
    private static DjlVocoder vocoder;
    private static DjlSpeechLanguageModel llm;

    @BeforeAll
    static void load() throws Exception {
        folder = ModelFolder.open(Golden.tinyModel());
        flow = new DjlFlowModel(folder, FlowNoise.of(Golden.tensor("flow_rand_noise"), "golden flow_rand_noise"));
        vocoder = new DjlVocoder(folder, VocoderNoise.of(Golden.tensor("hift_sine_noise"), Golden.tensor("hift_rand_ini")));
        llm = new DjlSpeechLanguageModel(folder);
    }

    @AfterAll
    static void close() {
        if (llm != null) llm.close();
        if (vocoder != null) vocoder.close();
        if (flow != null) flow.close();
        if (folder != null) folder.close();
    }

    /** Replays the golden target tokens as if an LLM had sampled them (the fixture's LLM is not sampled). */
    private static SpeechTokenSource goldenTokens() {
        int[] tokens = Golden.tensor("flow_token").toInts();
        return (promptText, text, promptSpeech, seed, sink, steps, cancel) -> {
            for (int t : tokens) {
                if (cancel.getAsBoolean()) return;
                sink.accept(t);
            }
        };
    }

    @Test
    void streamingPipelineDeliversTheOfficialStreamedWaveform() throws Exception {
        SpeechPipeline pipeline = new SpeechPipeline(goldenTokens(), flow, vocoder, SpeechPipeline.Settings.of(folder.config()));
        AudioRecorder audio = new AudioRecorder();
        Synthesis s = pipeline.start(new SynthesisRequest(Golden.tensor("llm_text").toInts(), DjlToken2WavGoldenTest.goldenVoice(), 0, true), audio);
        assertTrue(s.await(END));
        assertEquals(Synthesis.Outcome.FINISHED, s.outcome(), () -> String.valueOf(s.failure()));
        long[] trace = Golden.tensor("e2e_st_calls").toLongs();
        assertEquals(trace.length / 4, s.calls().size());
        for (int k = 0; k < s.calls().size(); k++) {
            assertArrayEquals(java.util.Arrays.copyOfRange(trace, 4 * k, 4 * k + 4), s.calls().get(k).traceRow(), "call " + k);
        }
        DjlToken2WavGoldenTest.assertRelClose("e2e_st_wave", audio.samples(), WAVE_REL_TOL);
    }

    @Test
    void llmDrivenSynthesisIsDeterministicPerSeedAndReportsEveryStage() throws Exception {
        SpeechPipeline pipeline = SpeechPipeline.of(llm, flow, vocoder, folder.config());
        int[] text = Golden.tensor("llm_text").toInts();
        float[][] takes = new float[2][];
        for (int i = 0; i < 2; i++) {
            AudioRecorder audio = new AudioRecorder();
            MetricsCollector metrics = MetricsCollector.startingNow();
            Synthesis s = pipeline.start(new SynthesisRequest(text, DjlToken2WavGoldenTest.goldenVoice(), 7, false), SynthesisListener.all(audio, metrics));
            assertTrue(s.await(END));
            assertEquals(Synthesis.Outcome.FINISHED, s.outcome(), () -> String.valueOf(s.failure()));
            int tokens = s.calls().getFirst().tokens();
            assertTrue(tokens > 0, "the LLM produced tokens");
            int samplesPerToken = folder.config().tokenMelRatio() * folder.config().hift().samplesPerFrame();
            assertEquals(tokens * samplesPerToken, audio.samples().length, "one-shot audio covers every token");
            SynthesisMetrics m = metrics.snapshot();
            for (Stage stage : Stage.values()) assertTrue(m.stageRtf(stage) > 0, stage + " RTF");
            assertEquals(audio.samples().length / (double) folder.config().sampleRate(), m.audioSeconds(), 1e-9);
            takes[i] = audio.samples();
        }
        assertArrayEquals(takes[0], takes[1], 0f, "same seed, same take");
    }

    /** Counts open LM sessions around the real model, to see cancellation close them. */
    private static final class SessionCounting implements SpeechLanguageModel {
        final AtomicInteger open = new AtomicInteger();

        @Override
        public LmSession start(int[] textIds, int[] promptSpeechTokens) {
            LmSession inner = llm.start(textIds, promptSpeechTokens);
            open.incrementAndGet();
            return new LmSession() {
                @Override public float[] logProbs() { return inner.logProbs(); }
                @Override public void append(int speechToken) { inner.append(speechToken); }
                @Override public int length() { return inner.length(); }
                @Override public void close() {
                    inner.close();
                    open.decrementAndGet();
                }
            };
        }

        @Override public int speechVocabSize() { return llm.speechVocabSize(); }

        @Override public void close() {}
    }

    @Test
    void cancelMidStreamStopsTheLlmAndClosesItsSession() throws Exception {
        SessionCounting counting = new SessionCounting();
        SpeechPipeline pipeline = SpeechPipeline.of(counting, flow, vocoder, folder.config());
        // 40 text ids: at least 80 tokens (stop ids masked below min_len), so the first chunk (41 tokens) comes before the end
        int[] text = new int[40];
        for (int i = 0; i < text.length; i++) text[i] = 1 + (i * 37) % 900;
        CountDownLatch firstAudio = new CountDownLatch(1);
        AudioRecorder audio = new AudioRecorder();
        SynthesisListener first = new SynthesisListener() {
            @Override public void onAudio(AudioChunk c) { firstAudio.countDown(); }
        };
        Synthesis s = pipeline.start(new SynthesisRequest(text, DjlToken2WavGoldenTest.goldenVoice(), 3, true), SynthesisListener.all(audio, first));
        assertTrue(firstAudio.await(60, TimeUnit.SECONDS), "first chunk");
        long cancelAt = System.nanoTime();
        s.cancel();
        assertTrue(s.await(END));
        assertEquals(Synthesis.Outcome.CANCELLED, s.outcome());
        assertTrue((System.nanoTime() - cancelAt) / 1e9 < 30, "cancel took effect within one chunk's work");
        assertEquals(0, counting.open.get(), "LM session closed");
        assertFalse(audio.chunks().stream().anyMatch(AudioChunk::last), "no final chunk after cancel");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("synth-")) {
                t.join(5000);
                assertFalse(t.isAlive(), t.getName() + " left running");
            }
        }
    }
}
