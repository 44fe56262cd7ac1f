package org.voicestudio.inference.llm;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RasSamplerTest {
    /** cosyvoice3.yaml: top_p 0.8, top_k 25, win_size 10, tau_r 0.1. */
    private static final SamplingConfig CV3 = new SamplingConfig(0.8, 25, 10, 0.1);
    private static final int[] NO_HISTORY = new int[0];

    private static float[] logs(double... probs) {
        float[] s = new float[probs.length];
        for (int i = 0; i < probs.length; i++) s[i] = (float) Math.log(probs[i]);
        return s;
    }

    @Test
    void nucleusIncludesTheTokenThatCrossesTopP() {
        RasSampler sampler = new RasSampler(CV3, RasSampler.seeded(1));
        // sorted: 0.5 (cum 0.5), 0.25 (0.75), 0.15 (0.9 crosses 0.8, still taken), 0.1 (not taken)
        float[] probs = RasSampler.softmax(logs(0.25, 0.1, 0.5, 0.15));
        int n = sampler.nucleusSize(probs);
        assertEquals(3, n);
        assertArrayEquals(new int[] {2, 0, 3}, sampler.lastNucleus(n));
    }

    @Test
    void nucleusStopsAsSoonAsTheSumReachesTopP() {
        // exact binary fractions: the sum hits 0.75 exactly after two tokens; "cum < top_p" is strict
        RasSampler sampler = new RasSampler(new SamplingConfig(0.75, 25, 10, 0.1), RasSampler.seeded(1));
        int n = sampler.nucleusSize(new float[] {0.125f, 0.5f, 0.125f, 0.25f});
        assertEquals(2, n);
        assertArrayEquals(new int[] {1, 3}, sampler.lastNucleus(n));
        // just below: the third token (the first of the tied 0.125s by index) is needed to cross
        RasSampler wider = new RasSampler(new SamplingConfig(0.76, 25, 10, 0.1), RasSampler.seeded(1));
        n = wider.nucleusSize(new float[] {0.125f, 0.5f, 0.125f, 0.25f});
        assertEquals(3, n);
        assertArrayEquals(new int[] {1, 3, 0}, wider.lastNucleus(n));
    }

    @Test
    void nucleusDrawsInProportionToTheUnnormalisedProbabilities() {
        RasSampler sampler = new RasSampler(CV3, RasSampler.seeded(2));
        float[] probs = RasSampler.softmax(logs(0.5, 0.25, 0.15, 0.1));
        int[] counts = new int[4];
        int draws = 40_000;
        for (int i = 0; i < draws; i++) counts[sampler.nucleus(probs)]++;
        assertEquals(0, counts[3], "token outside the nucleus was drawn");
        // within the nucleus: 0.5/0.9, 0.25/0.9, 0.15/0.9 (5 sigma bounds ~ 0.013)
        assertEquals(0.5 / 0.9, counts[0] / (double) draws, 0.013);
        assertEquals(0.25 / 0.9, counts[1] / (double) draws, 0.013);
        assertEquals(0.15 / 0.9, counts[2] / (double) draws, 0.013);
    }

    @Test
    void topKCapsTheNucleusAndTiesKeepIndexOrder() {
        RasSampler sampler = new RasSampler(CV3, RasSampler.seeded(3));
        float[] uniform = new float[100]; // every token 0.01: top_p never reached, top_k = 25 binds
        float[] probs = RasSampler.softmax(uniform);
        int n = sampler.nucleusSize(probs);
        assertEquals(25, n);
        int[] expected = new int[25];
        for (int i = 0; i < 25; i++) expected[i] = i; // stable descending sort keeps index order on ties
        assertArrayEquals(expected, sampler.lastNucleus(n));
        for (int i = 0; i < 2000; i++) assertTrue(sampler.sample(uniform, NO_HISTORY, 0) < 25);
    }

    @Test
    void topKPrefersHigherProbabilityOverLowerIndex() {
        RasSampler sampler = new RasSampler(new SamplingConfig(0.99, 2, 10, 0.1), RasSampler.seeded(4));
        float[] probs = RasSampler.softmax(logs(0.1, 0.2, 0.1, 0.3, 0.3));
        int n = sampler.nucleusSize(probs);
        assertEquals(2, n);
        assertArrayEquals(new int[] {3, 4}, sampler.lastNucleus(n));
    }

    @Test
    void repeatedTokenIsResampledFromTheFullDistributionAndNeverReturned() {
        RasSampler sampler = new RasSampler(CV3, RasSampler.seeded(5));
        float[] scores = new float[6761];
        Arrays.fill(scores, -12f);
        scores[42] = 0f; // nucleus is {42} alone
        int[] history = {7, 42, 9}; // 42 occurred once in the last 10 >= 10 * 0.1
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            int token = sampler.sample(scores, history, history.length);
            assertNotEquals(42, token);
            seen.add(token);
        }
        // the resample is over the FULL distribution, not a top-k of it
        assertTrue(seen.size() > 300, "500 resampled tokens cover only " + seen.size() + " ids");
    }

    @Test
    void tokenOutsideTheWindowIsNotARepetition() {
        RasSampler sampler = new RasSampler(CV3, RasSampler.seeded(6));
        float[] scores = new float[100];
        Arrays.fill(scores, -40f);
        scores[42] = 0f;
        int[] history = {42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; // 42 is 11 tokens back: outside win_size 10
        assertEquals(42, sampler.sample(scores, history, history.length));
        assertNotEquals(42, sampler.sample(scores, history, 2), "42 within the window of the first 2 outputs");
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        float[] scores = new float[6761];
        for (int i = 0; i < scores.length; i++) scores[i] = (float) (-0.001 * i);
        int[] a = draw(scores, 77), b = draw(scores, 77), c = draw(scores, 78);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    private static int[] draw(float[] scores, long seed) {
        RasSampler sampler = new RasSampler(CV3, RasSampler.seeded(seed));
        int[] out = new int[200];
        for (int i = 0; i < out.length; i++) out[i] = sampler.sample(scores, out, i);
        return out;
    }

    @Test
    void everyStopIdIsMaskedBelowTheMinimum() {
        StopTokens stops = new StopTokens(6561, 6761);
        RasSampler sampler = new RasSampler(CV3, RasSampler.seeded(8));
        for (int stop = 6561; stop < 6761; stop++) {
            float[] scores = new float[6761];
            Arrays.fill(scores, -50f);
            scores[stop] = 0f;  // the stop id is near certain ...
            scores[123] = -20f; // ... and one ordinary token is far behind
            stops.mask(scores);
            assertEquals(123, sampler.sample(scores, NO_HISTORY, 0), "stop id " + stop + " was not masked");
        }
        assertTrue(stops.contains(6561) && stops.contains(6562) && stops.contains(6760));
        assertFalse(stops.contains(6560) || stops.contains(6761));
    }

    @Test
    void scoresAreNotModified() {
        RasSampler sampler = new RasSampler(CV3, RasSampler.seeded(9));
        float[] scores = logs(0.9, 0.05, 0.05);
        float[] copy = scores.clone();
        sampler.sample(scores, new int[] {0}, 1);
        assertArrayEquals(copy, scores);
    }
}
