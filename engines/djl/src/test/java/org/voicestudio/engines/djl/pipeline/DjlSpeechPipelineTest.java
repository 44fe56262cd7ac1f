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
import org.voicestudio.inference.metrics.TimelineSpan;
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
    /** Flow and vocoder with the engine's own seeded noise: the golden noise tensors cover only the fixture's 50 tokens. */
    private static DjlFlowModel longFlow;
    private static DjlVocoder longVocoder;

    @BeforeAll
    static void load() throws Exception {
        folder = ModelFolder.open(Golden.tinyModel());
        flow = new DjlFlowModel(folder, FlowNoise.of(Golden.tensor("flow_rand_noise"), "golden flow_rand_noise"));
        vocoder = new DjlVocoder(folder, VocoderNoise.of(Golden.tensor("hift_sine_noise"), Golden.tensor("hift_rand_ini")));
        llm = new DjlSpeechLanguageModel(folder);
        longFlow = new DjlFlowModel(folder);
        longVocoder = new DjlVocoder(folder);
    }

    @AfterAll
    static void close() {
        if (llm != null) llm.close();
        if (longVocoder != null) longVocoder.close();
        if (longFlow != null) longFlow.close();
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

    /** One LLM-driven streaming take on the real stages with {@code overlap}: its metrics and audio. */
    private record Take(SynthesisMetrics metrics, float[] audio, int chunks) {}

    private static Take take(SpeechPipeline.Overlap overlap, org.voicestudio.inference.flow.FlowModel longFlow,
                             org.voicestudio.inference.vocoder.Vocoder voc) throws Exception {
        SpeechPipeline pipeline = new SpeechPipeline(SpeechTokenSource.llm(llm, folder.config()), longFlow, voc,
                SpeechPipeline.Settings.of(folder.config()), System::nanoTime, overlap);
        // 60 text ids: at least 120 tokens (stop ids masked below min_len), so there are streaming chunks 0 and 1
        int[] text = new int[60];
        for (int i = 0; i < text.length; i++) text[i] = 1 + (i * 53) % 900;
        AudioRecorder audio = new AudioRecorder();
        MetricsCollector metrics = MetricsCollector.startingNow();
        Synthesis s = pipeline.start(new SynthesisRequest(text, DjlToken2WavGoldenTest.goldenVoice(), 11, true), SynthesisListener.all(audio, metrics));
        assertTrue(s.await(END));
        assertEquals(Synthesis.Outcome.FINISHED, s.outcome(), () -> String.valueOf(s.failure()));
        assertTrue(s.calls().size() >= 3, "at least two streaming chunks and the final call, got " + s.calls());
        return new Take(metrics.snapshot(), audio.samples(), s.calls().size());
    }

    private static java.util.List<TimelineSpan> spans(Take t, Stage stage) {
        return t.metrics().timeline().stream().filter(x -> x.stage() == stage).sorted(java.util.Comparator.comparingInt(TimelineSpan::chunk)).toList();
    }

    private static boolean intersect(TimelineSpan a, TimelineSpan b) {
        return a.startSeconds() < b.endSeconds() && b.startSeconds() < a.endSeconds();
    }

    /**
     * The real DJL vocoder, holding its first call back 1.5 s (a slow vocoder): long enough for the real LLM to produce
     * the second chunk's tokens, so with stage overlap the flow of chunk 1 must start while vocoder chunk 0 still runs.
     */
    private static org.voicestudio.inference.vocoder.Vocoder slowFirstCall(org.voicestudio.inference.vocoder.Vocoder vocoder) {
        AtomicInteger calls = new AtomicInteger();
        return new org.voicestudio.inference.vocoder.Vocoder() {
            @Override public float[] inference(org.voicestudio.inference.audio.Mel mel, boolean finalize) {
                if (calls.getAndIncrement() == 0) {
                    try {
                        Thread.sleep(1500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return vocoder.inference(mel, finalize);
            }
            @Override public void close() {}
        };
    }

    @Test
    void stagesOverlapOnTheTimelineOnlyWhenAskedAndTheAudioStaysTheSame() throws Exception {
        Take none = take(SpeechPipeline.Overlap.NONE, longFlow, longVocoder);
        Take llmOnly = take(SpeechPipeline.Overlap.LLM, longFlow, slowFirstCall(longVocoder));
        Take stages = take(SpeechPipeline.Overlap.STAGES, longFlow, slowFirstCall(longVocoder));

        // same seed, same tokens, same audio whatever runs at the same time
        assertArrayEquals(none.audio(), llmOnly.audio(), 0f, "LLM overlap changes nothing in the audio");
        assertArrayEquals(none.audio(), stages.audio(), 0f, "stage overlap changes nothing in the audio");

        // no overlap: every span of the timeline ends before the next one starts
        java.util.List<TimelineSpan> all = none.metrics().timeline();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) assertFalse(intersect(all.get(i), all.get(j)), all.get(i) + " overlaps " + all.get(j));
        }

        for (Take t : java.util.List.of(llmOnly, stages)) {
            // the LLM keeps generating while the first chunk is turned into audio
            TimelineSpan flow0 = spans(t, Stage.FLOW).getFirst(), voc0 = spans(t, Stage.VOCODER).getFirst();
            assertTrue(spans(t, Stage.LLM).stream().anyMatch(l -> intersect(l, flow0) || intersect(l, voc0)),
                    "an LLM span overlaps flow or vocoder of chunk 0: " + t.metrics().timeline());
        }
        // flow chunk 1 starts before vocoder chunk 0 ends only with stage overlap
        TimelineSpan stagesVoc0 = spans(stages, Stage.VOCODER).getFirst(), stagesFlow1 = spans(stages, Stage.FLOW).get(1);
        assertTrue(stagesFlow1.startSeconds() < stagesVoc0.endSeconds(), "stages: " + stagesFlow1 + " starts before " + stagesVoc0 + " ends");
        TimelineSpan llmVoc0 = spans(llmOnly, Stage.VOCODER).getFirst(), llmFlow1 = spans(llmOnly, Stage.FLOW).get(1);
        assertTrue(llmFlow1.startSeconds() >= llmVoc0.endSeconds(), "llm: " + llmFlow1 + " waits for " + llmVoc0);
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
        // with stage overlap the flow may already run chunk 1 (91 tokens) while chunk 0 is vocoded: the long-noise stages
        SpeechPipeline pipeline = SpeechPipeline.of(counting, longFlow, longVocoder, folder.config());
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
