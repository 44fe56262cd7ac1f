package org.voicestudio.inference.llm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SilenceThrottleTest {
    @Test
    void onlyTheFirstFiveOfASilentRunGoOnAndAnyOtherTokenEndsTheRun() {
        SilenceThrottle throttle = SilenceThrottle.cosyVoice3();
        int[] tokens = {1, 2, 28, 29, 55, 248, 494, 100, 2241, 2242, 7};
        StringBuilder passed = new StringBuilder();
        for (int t : tokens) passed.append(throttle.forward(t) ? 'y' : 'n');
        assertEquals("yyyyynnyyyy", passed.toString());
    }
}
