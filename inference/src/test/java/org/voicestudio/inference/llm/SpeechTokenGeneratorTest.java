package org.voicestudio.inference.llm;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.llm.GenerationResult.StopReason;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.testing.Golden;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpeechTokenGeneratorTest {
    private static final ModelConfig CONFIG = tinyConfig();
    private static final int EOS = 6562;
    /** 3 text tokens to speak: min_len 6, max_len 60. */
    private static final LlmRequest REQUEST = new LlmRequest(new int[] {5, 6}, new int[] {7, 8, 9}, new int[] {10, 11, 12});

    private static ModelConfig tinyConfig() {
        try {
            return ModelConfigReader.read(Golden.tinyModel());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private final List<Integer> sunk = new ArrayList<>();
    private final List<StageEvent> events = new ArrayList<>();

    private GenerationResult run(ScriptedLm lm, TokenBudget budget, CancellationToken cancel) throws InterruptedException {
        RasSampler sampler = new RasSampler(CONFIG.llm().sampling(), RasSampler.seeded(1986));
        return new SpeechTokenGenerator(lm, CONFIG).generate(REQUEST, budget, sampler, sunk::add, events::add, cancel);
    }

    /** distinct ordinary tokens, so ras_sampling never sees a repetition */
    private static int ordinary(int step) { return 100 + step; }

    @Test
    void officialLimitsComeFromTheTextToSpeakOnly() {
        assertEquals(new TokenBudget.UntilStop(6, 60), REQUEST.defaultBudget());
        assertArrayEquals(new int[] {5, 6, 7, 8, 9}, REQUEST.textIds());
        assertEquals(1 + 5 + 1 + 3, REQUEST.prefill(CONFIG.llm()).length());
    }

    @Test
    void stopsAtTheFirstStopIdWithoutPassingItOn() throws Exception {
        ScriptedLm lm = new ScriptedLm(step -> step == 7 ? EOS : ordinary(step));
        GenerationResult result = run(lm, REQUEST.defaultBudget(), new CancellationToken());
        assertEquals(StopReason.STOP_TOKEN, result.reason());
        assertEquals(7, result.tokenCount());
        assertEquals(List.of(100, 101, 102, 103, 104, 105, 106), sunk);
        assertEquals(sunk, lm.appended, "every token was fed back before the step that sampled the stop id");
        assertEquals(0, lm.sessionsOpen);
        // one event per step, the last one (the stop) without a token
        assertEquals(8, events.size());
        assertEquals(0, events.getLast().items());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(Stage.LLM, events.get(i).stage());
            assertEquals(i, events.get(i).chunk());
            assertTrue(events.get(i).endNanos() >= events.get(i).startNanos());
        }
        assertEquals(7, events.stream().mapToInt(StageEvent::items).sum());
        assertEquals(7 / 25.0, events.stream().mapToDouble(StageEvent::audioSeconds).sum(), 1e-12);
    }

    @Test
    void everyStopIdIsMaskedUntilTheMinimumLength() throws Exception {
        // steps 0..199 put all mass on stop id 6561+step; min_len 200 must mask each of them
        ScriptedLm lm = new ScriptedLm(step -> step < 200 ? 6561 + step : EOS);
        GenerationResult result = run(lm, new TokenBudget.UntilStop(200, 1000), new CancellationToken());
        assertEquals(StopReason.STOP_TOKEN, result.reason());
        assertEquals(200, result.tokenCount());
        for (int t : result.generated()) assertTrue(t < 6561, "stop id " + t + " passed below min_len");
    }

    @Test
    void endsAtMaxLenWhenNoStopIdComes() throws Exception {
        GenerationResult result = run(new ScriptedLm(SpeechTokenGeneratorTest::ordinary), REQUEST.defaultBudget(), new CancellationToken());
        assertEquals(StopReason.MAX_TOKENS, result.reason());
        assertEquals(60, result.tokenCount());
        assertEquals(60, sunk.size());
    }

    @Test
    void fixedBudgetProducesExactlyThatManyTokensEvenWhenTheModelWantsToStop() throws Exception {
        GenerationResult result = run(new ScriptedLm(step -> EOS), new TokenBudget.Fixed(300), new CancellationToken());
        assertEquals(StopReason.BUDGET_USED, result.reason());
        assertEquals(300, result.tokenCount());
        for (int t : result.generated()) assertTrue(t < 6561);
    }

    @Test
    void longSilentRunsAreThrottledTowardTheFlowButFedBackToTheLm() throws Exception {
        int[] script = {1, 2, 28, 29, 55, 248, 494, 100, 2241, 2242, EOS};
        ScriptedLm lm = new ScriptedLm(step -> script[step]);
        GenerationResult result = run(lm, new TokenBudget.UntilStop(0, 100), new CancellationToken());
        assertArrayEquals(new int[] {1, 2, 28, 29, 55, 248, 494, 100, 2241, 2242}, result.generated());
        assertEquals(List.of(1, 2, 28, 29, 55, 100, 2241, 2242), sunk);
        assertEquals(8, result.forwarded());
        assertEquals(List.of(1, 2, 28, 29, 55, 248, 494, 100, 2241, 2242), lm.appended);
        // held-back tokens cost LLM time but cover no audio
        assertEquals(0, events.get(5).audioSeconds());
        assertEquals(1, events.get(5).items());
    }

    @Test
    void cancellingMidDecodeStopsAtTheNextStepAndClosesTheSession() throws Exception {
        ScriptedLm lm = new ScriptedLm(SpeechTokenGeneratorTest::ordinary);
        CancellationToken cancel = new CancellationToken();
        RasSampler sampler = new RasSampler(CONFIG.llm().sampling(), RasSampler.seeded(1));
        GenerationResult result = new SpeechTokenGenerator(lm, CONFIG).generate(REQUEST, new TokenBudget.Fixed(1000), sampler,
                token -> { sunk.add(token); if (sunk.size() == 3) cancel.cancel(); }, events::add, cancel);
        assertEquals(StopReason.CANCELLED, result.reason());
        assertEquals(3, result.tokenCount());
        assertEquals(0, lm.sessionsOpen);
        assertTrue(lm.closedAfterUse);
    }

    @Test
    void alreadyCancelledRequestNeverStartsTheModel() throws Exception {
        ScriptedLm lm = new ScriptedLm(SpeechTokenGeneratorTest::ordinary);
        CancellationToken cancel = new CancellationToken();
        cancel.cancel();
        GenerationResult result = run(lm, REQUEST.defaultBudget(), cancel);
        assertEquals(StopReason.CANCELLED, result.reason());
        assertFalse(lm.closedAfterUse, "a session was opened");
    }

    @Test
    void interruptedSinkPropagatesAndClosesTheSession() {
        ScriptedLm lm = new ScriptedLm(SpeechTokenGeneratorTest::ordinary);
        RasSampler sampler = new RasSampler(CONFIG.llm().sampling(), RasSampler.seeded(1));
        assertThrows(InterruptedException.class, () -> new SpeechTokenGenerator(lm, CONFIG).generate(REQUEST, sampler,
                token -> { throw new InterruptedException("consumer gone"); }, e -> {}, new CancellationToken()));
        assertEquals(0, lm.sessionsOpen);
    }

    @Test
    void interruptingTheThreadStopsAtTheNextStep() {
        ScriptedLm lm = new ScriptedLm(SpeechTokenGeneratorTest::ordinary);
        RasSampler sampler = new RasSampler(CONFIG.llm().sampling(), RasSampler.seeded(1));
        try {
            assertThrows(InterruptedException.class, () -> new SpeechTokenGenerator(lm, CONFIG).generate(REQUEST, sampler,
                    token -> { sunk.add(token); if (sunk.size() == 2) Thread.currentThread().interrupt(); }, e -> {},
                    new CancellationToken()));
        } finally {
            Thread.interrupted(); // leave the test thread clean whatever happened
        }
        assertEquals(2, sunk.size());
        assertEquals(0, lm.sessionsOpen);
    }

    @Test
    void tokensReachAQueueConsumerWhileDecodingContinues() throws Exception {
        LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
        ScriptedLm lm = new ScriptedLm(step -> {
            // by the time step k is scored, the consumer side already holds tokens 0..k-1
            if (queue.size() != step) throw new AssertionError("token " + (step - 1) + " was not handed over before step " + step);
            return step == 10 ? EOS : ordinary(step);
        });
        RasSampler sampler = new RasSampler(CONFIG.llm().sampling(), RasSampler.seeded(1));
        GenerationResult result = new SpeechTokenGenerator(lm, CONFIG).generate(REQUEST, sampler, queue::put, e -> {}, new CancellationToken());
        assertEquals(10, result.tokenCount());
        assertEquals(10, queue.size());
    }
}
