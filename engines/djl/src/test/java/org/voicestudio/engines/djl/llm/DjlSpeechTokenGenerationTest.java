package org.voicestudio.engines.djl.llm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.llm.CancellationToken;
import org.voicestudio.inference.llm.GenerationResult;
import org.voicestudio.inference.llm.LlmRequest;
import org.voicestudio.inference.llm.RasSampler;
import org.voicestudio.inference.llm.SpeechTokenGenerator;
import org.voicestudio.inference.llm.TokenBudget;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine-independent decode loop over the DJL model of cv3-tiny (random weights: tokens are noise). */
class DjlSpeechTokenGenerationTest {
    private static ModelFolder folder;
    private static DjlSpeechLanguageModel lm;
    private static ModelConfig config;

    @BeforeAll
    static void load() throws Exception {
        folder = ModelFolder.open(Golden.tinyModel());
        config = folder.config();
        lm = new DjlSpeechLanguageModel(folder);
    }

    @AfterAll
    static void close() {
        lm.close();
        folder.close();
    }

    private static LlmRequest request() {
        // 2 tokens to speak: min_len 4, max_len 40 (keeps the test short on a busy CPU)
        int[] text = java.util.Arrays.copyOf(Golden.tensor("llm_text").toInts(), 2);
        return new LlmRequest(Golden.tensor("llm_prompt_text").toInts(), text, Golden.tensor("llm_prompt_speech_token").toInts());
    }

    private GenerationResult generate(long seed, TokenBudget budget, List<Integer> sink) throws InterruptedException {
        return new SpeechTokenGenerator(lm, config).generate(request(), budget,
                new RasSampler(config.llm().sampling(), RasSampler.seeded(seed)), sink::add, e -> {}, new CancellationToken());
    }

    @Test
    void sameSeedGivesTheSameTake() throws Exception {
        GenerationResult a = generate(1986, request().defaultBudget(), new ArrayList<>());
        GenerationResult b = new SpeechTokenGenerator(lm, config).generate(request(), 1986L, t -> {}, e -> {}, () -> false);
        assertArrayEquals(a.generated(), b.generated());
        assertTrue(a.tokenCount() >= 4, "min_len is 2 x 2 text tokens, got " + a.tokenCount());
        assertTrue(a.tokenCount() <= 40, "max_len is 20 x 2 text tokens, got " + a.tokenCount());
    }

    @Test
    void fixedBudgetDecodesExactlyNTokensAndReportsSpeed() throws Exception {
        List<Integer> sink = new ArrayList<>();
        GenerationResult r = generate(7, new TokenBudget.Fixed(24), sink);
        assertEquals(GenerationResult.StopReason.BUDGET_USED, r.reason());
        assertEquals(24, r.tokenCount());
        assertEquals(r.forwarded(), sink.size());
        assertTrue(r.decodeTokensPerSecond() > 0, "tokens/s " + r.decodeTokensPerSecond());
    }
}
