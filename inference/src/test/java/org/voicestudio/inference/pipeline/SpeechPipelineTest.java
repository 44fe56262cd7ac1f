package org.voicestudio.inference.pipeline;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class SpeechPipelineTest {
    private static final Duration END = Duration.ofSeconds(10);
    private static final SpeechPipeline.Settings SETTINGS = new SpeechPipeline.Settings(24000, 25, 2, 25, CausalTestStages.PRE_LOOKAHEAD_LEN);

    /** A token source over a fixed list; {@code beforeToken} runs before token i is handed on. */
    private static final class ListSource implements SpeechTokenSource {
        final int[] tokens;
        final java.util.function.IntConsumer beforeToken;
        final AtomicBoolean closed = new AtomicBoolean();

        ListSource(int[] tokens, java.util.function.IntConsumer beforeToken) {
            this.tokens = tokens;
            this.beforeToken = beforeToken;
        }

        @Override
        public void generate(int[] promptTextIds, int[] textIds, int[] promptSpeechTokens, long seed, TokenSink sink,
                             Consumer<StageEvent> steps, BooleanSupplier cancelled) throws InterruptedException {
            try {
                for (int i = 0; i < tokens.length && !cancelled.getAsBoolean(); i++) {
                    long start = System.nanoTime();
                    beforeToken.accept(i);
                    steps.accept(new StageEvent(Stage.LLM, i, start, System.nanoTime(), 1, 1 / 25.0));
                    sink.accept(tokens[i]);
                }
            } finally {
                closed.set(true);   // where a real source closes its LM session
            }
        }
    }

    private static int[] tokens(int n, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(6561);
        return t;
    }

    /** Records everything, in order of arrival. */
    private static final class Log implements SynthesisListener {
        final List<StageEvent> events = new CopyOnWriteArrayList<>();
        final AudioRecorder audio = new AudioRecorder();
        final List<String> ends = new CopyOnWriteArrayList<>();
        final CountDownLatch firstAudio = new CountDownLatch(1);

        @Override public void onSpeechToken(int token) { audio.onSpeechToken(token); }
        @Override public void onStageEvent(StageEvent e) { events.add(e); }
        @Override public void onAudio(AudioChunk c) { audio.onAudio(c); firstAudio.countDown(); }
        @Override public void onFinished() { ends.add("finished"); }
        @Override public void onCancelled() { ends.add("cancelled"); }
        @Override public void onFailed(Throwable error) { ends.add("failed: " + error.getMessage()); }

        List<StageEvent> of(Stage s) { return events.stream().filter(e -> e.stage() == s).toList(); }
    }

    private static SpeechPipeline pipeline(SpeechTokenSource source) {
        return new SpeechPipeline(source, new CausalTestStages.Flow(), new CausalTestStages.Vocoder(), SETTINGS);
    }

    private static SpeechPipeline pipeline(SpeechTokenSource source, SpeechPipeline.Overlap overlap) {
        return pipeline(source).withOverlap(overlap);
    }

    /** Whether the two events' time spans intersect. */
    static boolean overlaps(StageEvent a, StageEvent b) {
        return a.startNanos() < b.endNanos() && b.startNanos() < a.endNanos();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(SpeechPipeline.Overlap.class)
    void everyOverlapRunsTheSameScheduleAndAudio(SpeechPipeline.Overlap overlap) throws Exception {
        int[] tokens = tokens(180, 1);
        VoicePrompt voice = CausalTestStages.voice(12);
        Log reference = new Log();
        Synthesis r = pipeline(new ListSource(tokens, i -> {}), SpeechPipeline.Overlap.LLM)
                .start(new SynthesisRequest(new int[] {5, 6}, voice, 0, true), reference);
        assertTrue(r.await(END));

        Log log = new Log();
        Synthesis s = pipeline(new ListSource(tokens, i -> {}), overlap).start(new SynthesisRequest(new int[] {5, 6}, voice, 0, true), log);
        assertTrue(s.await(END));
        assertEquals(Synthesis.Outcome.FINISHED, s.outcome(), () -> String.valueOf(s.failure()));
        assertEquals(List.of("finished"), log.ends);
        assertEquals(r.calls(), s.calls());
        assertArrayEquals(reference.audio.samples(), log.audio.samples(), 0f);
        assertEquals(s.calls().size(), log.of(Stage.FLOW).size());
        assertEquals(s.calls().size(), log.of(Stage.VOCODER).size());
        assertEquals(360, log.of(Stage.FLOW).stream().mapToInt(StageEvent::items).sum(), "mel frames over all chunks");
    }

    @Test
    void withoutOverlapNoStageRunsWhileAnotherDoes() throws Exception {
        Log log = new Log();
        Synthesis s = pipeline(new ListSource(tokens(180, 5), i -> {}), SpeechPipeline.Overlap.NONE)
                .start(new SynthesisRequest(new int[] {5}, CausalTestStages.voice(12), 0, true), log);
        assertTrue(s.await(END));
        assertEquals(Synthesis.Outcome.FINISHED, s.outcome(), () -> String.valueOf(s.failure()));
        assertEquals(3, s.calls().size());
        List<StageEvent> all = List.copyOf(log.events);
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                assertFalse(overlaps(all.get(i), all.get(j)), all.get(i) + " overlaps " + all.get(j));
            }
        }
    }

    @Test
    void stageOverlapRunsTheNextFlowWhileTheVocoderWorks() throws Exception {
        // the vocoder's first call waits (up to 5 s) for the flow of the second chunk to start: with flow and vocoder
        // on one thread it never does, and flow chunk 1 starts only after vocoder chunk 0 has ended
        for (SpeechPipeline.Overlap overlap : List.of(SpeechPipeline.Overlap.STAGES, SpeechPipeline.Overlap.LLM)) {
            AtomicInteger flowCalls = new AtomicInteger();
            CountDownLatch secondFlow = new CountDownLatch(1);
            CausalTestStages.Flow realFlow = new CausalTestStages.Flow();
            org.voicestudio.inference.flow.FlowModel flow = new org.voicestudio.inference.flow.FlowModel() {
                @Override public org.voicestudio.inference.audio.Mel inference(FlowRequest r) {
                    if (flowCalls.incrementAndGet() == 2) secondFlow.countDown();
                    return realFlow.inference(r);
                }
                @Override public void close() {}
            };
            CausalTestStages.Vocoder realVocoder = new CausalTestStages.Vocoder();
            AtomicInteger vocoderCalls = new AtomicInteger();
            org.voicestudio.inference.vocoder.Vocoder vocoder = new org.voicestudio.inference.vocoder.Vocoder() {
                @Override public float[] inference(org.voicestudio.inference.audio.Mel mel, boolean finalize) {
                    if (vocoderCalls.incrementAndGet() == 1) {
                        try {
                            secondFlow.await(overlap == SpeechPipeline.Overlap.STAGES ? 5 : 0, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return realVocoder.inference(mel, finalize);
                }
                @Override public void close() {}
            };
            Log log = new Log();
            Synthesis s = new SpeechPipeline(new ListSource(tokens(180, 6), i -> {}), flow, vocoder, SETTINGS, System::nanoTime, overlap)
                    .start(new SynthesisRequest(new int[] {5}, CausalTestStages.voice(12), 0, true), log);
            assertTrue(s.await(END));
            assertEquals(Synthesis.Outcome.FINISHED, s.outcome(), () -> String.valueOf(s.failure()));
            StageEvent vocoder0 = log.of(Stage.VOCODER).getFirst(), flow1 = log.of(Stage.FLOW).get(1);
            assertEquals(overlap == SpeechPipeline.Overlap.STAGES, flow1.startNanos() < vocoder0.endNanos(),
                    overlap + ": " + vocoder0 + " vs " + flow1);
        }
    }

    @Test
    void streamingRunsTheOfficialScheduleAndMatchesOneShotAudio() throws Exception {
        int[] tokens = tokens(180, 1);
        VoicePrompt voice = CausalTestStages.voice(12);

        Log streamed = new Log();
        Synthesis s = pipeline(new ListSource(tokens, i -> {})).start(new SynthesisRequest(new int[] {5, 6}, voice, 0, true), streamed);
        assertTrue(s.await(END));
        assertEquals(Synthesis.Outcome.FINISHED, s.outcome());
        assertEquals(List.of("finished"), streamed.ends);
        assertEquals(StreamSchedule.forPrompt(12, 25, CausalTestStages.PRE_LOOKAHEAD_LEN).plan(180), s.calls());

        Log oneShot = new Log();
        Synthesis o = pipeline(new ListSource(tokens, i -> {})).start(new SynthesisRequest(new int[] {5, 6}, voice, 0, false), oneShot);
        assertTrue(o.await(END));
        assertEquals(List.of(StreamSchedule.nonStreaming(180)), o.calls());
        assertArrayEquals(oneShot.audio.samples(), streamed.audio.samples(), 0f);
        assertArrayEquals(tokens, streamed.audio.tokens());

        // one flow and one vocoder event per chunk, audio chunks numbered, only the last marked last
        List<AudioChunk> chunks = streamed.audio.chunks();
        assertEquals(s.calls().size(), chunks.size());
        for (int k = 0; k < chunks.size(); k++) {
            assertEquals(k, chunks.get(k).index());
            assertEquals(k == chunks.size() - 1, chunks.get(k).last());
            assertEquals(chunks.get(k).samples().length, streamed.of(Stage.VOCODER).get(k).items());
            assertEquals(k, streamed.of(Stage.FLOW).get(k).chunk());
        }
        assertEquals(360, streamed.of(Stage.FLOW).stream().mapToInt(StageEvent::items).sum(), "mel frames over all chunks");
        // LLM segments end where chunks become runnable: 41, 91 (+50), 191 would need more than 180 tokens
        assertEquals(List.of(41, 50, 89), streamed.of(Stage.LLM).stream().map(StageEvent::items).toList());
    }

    @Test
    void llmKeepsGeneratingWhileToken2WavWorks() throws Exception {
        // the source will not produce token 60 before the first chunk's audio is out: a pipeline that
        // waited for the LLM to end before running token2wav would deadlock here
        Log log = new Log();
        AtomicBoolean overlapped = new AtomicBoolean();
        ListSource source = new ListSource(tokens(100, 2), i -> {
            if (i == 60) {
                try {
                    overlapped.set(log.firstAudio.await(5, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Synthesis s = pipeline(source).start(new SynthesisRequest(new int[] {5}, CausalTestStages.voice(12), 0, true), log);
        assertTrue(s.await(END));
        assertTrue(overlapped.get(), "first chunk's audio arrived while the LLM was still generating");
        assertEquals(Synthesis.Outcome.FINISHED, s.outcome());
    }

    @Test
    void cancelMidStreamStopsBothThreadsAndClosesTheSource() throws Exception {
        CountDownLatch neverReleased = new CountDownLatch(1);
        AtomicInteger produced = new AtomicInteger();
        ListSource source = new ListSource(tokens(1000, 3), i -> {
            produced.set(i);
            if (i == 120) {
                try {
                    neverReleased.await(200, TimeUnit.MILLISECONDS);   // a slow LLM step
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Log log = new Log();
        Synthesis s = pipeline(source).start(new SynthesisRequest(new int[] {5}, CausalTestStages.voice(12), 0, true), log);
        assertTrue(log.firstAudio.await(5, TimeUnit.SECONDS));
        s.cancel();
        assertTrue(s.await(END));
        assertEquals(Synthesis.Outcome.CANCELLED, s.outcome());
        assertEquals(List.of("cancelled"), log.ends);
        assertTrue(source.closed.get(), "token source returned (its session closed)");
        assertTrue(produced.get() < 999, "LLM stopped early");
        assertFalse(log.audio.chunks().stream().anyMatch(AudioChunk::last), "no final chunk after cancel");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("synth-")) {
                t.join(2000);   // the token2wav thread returns right after notifying the end
                assertFalse(t.isAlive(), "pipeline thread " + t.getName() + " left running");
            }
        }
    }

    @Test
    void llmFailureEndsTheSynthesisWithoutAudio() throws Exception {
        ListSource source = new ListSource(tokens(100, 4), i -> {
            if (i == 10) throw new IllegalStateException("KV cache exhausted");
        });
        Log log = new Log();
        Synthesis s = pipeline(source).start(new SynthesisRequest(new int[] {5}, CausalTestStages.voice(12), 0, true), log);
        assertTrue(s.await(END));
        assertEquals(Synthesis.Outcome.FAILED, s.outcome());
        assertEquals(List.of("failed: KV cache exhausted"), log.ends);
        assertTrue(log.audio.chunks().isEmpty());
    }

    @Test
    void speedChangeNeedsNonStreaming() {
        assertThrows(IllegalArgumentException.class, () -> new SynthesisRequest(new int[] {1}, CausalTestStages.voice(12), 0, true, 1.2));
    }
}
