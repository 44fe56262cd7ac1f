package org.voicestudio.engines.cuda.llm;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;
import org.voicestudio.inference.llm.TokenBudget;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CPU: the host-side translation of the sampling rules into the kernel's integer arguments. */
class GpuSamplerRulesTest {

    @Test
    void repetitionThresholdBecomesTheSmallestCountThatReachesIt() {
        assertEquals(1, GpuSampler.minRepeats(new SamplingConfig(0.8, 25, 10, 0.1)));   // CosyVoice3: 10 * 0.1 = 1
        assertEquals(2, GpuSampler.minRepeats(new SamplingConfig(0.8, 25, 10, 0.15)));  // 1.5: two occurrences needed
        assertEquals(1, GpuSampler.minRepeats(new SamplingConfig(0.8, 25, 3, 0.1)));    // 3 * 0.1 = 0.30000000000000004: one occurrence
        assertEquals(0, GpuSampler.minRepeats(new SamplingConfig(0.8, 25, 0, 0.1)));    // 0 >= 0: always resample, as RasSampler
    }

    @Test
    void stopIdsAreMaskedForTheStepsTheBudgetSays() {
        for (TokenBudget b : new TokenBudget[] {new TokenBudget.UntilStop(7, 60), new TokenBudget.UntilStop(0, 5), new TokenBudget.Fixed(30)}) {
            int n = GpuSampler.stopMaskedBelow(b);
            for (int step = 0; step < b.maxTokens(); step++) assertEquals(b.masksStopIds(step), step < n, b + " step " + step);
        }
    }
}
