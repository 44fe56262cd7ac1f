package org.voicestudio.inference.llm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SilenceThrottleTest {
    @Test
    void onlyTheFirstFiveOfASilentRunGoOnAndAnyOtherTokenEndsTheRun() {
        SilenceThrottle throttle = SilenceThrottle.cosyVoice3(6561);
        int[] tokens = {1, 2, 28, 29, 55, 248, 494, 100, 2241, 2242, 7};
        StringBuilder passed = new StringBuilder();
        for (int t : tokens) passed.append(throttle.forward(t) ? 'y' : 'n');
        assertEquals("yyyyynnyyyy", passed.toString());
    }

    @Test
    void aModelWithFewerCodesKeepsTheOfficialSilentIdsItHas() {
        SilenceThrottle demo = SilenceThrottle.cosyVoice3(512);
        for (int t : new int[] {1, 2, 28, 29, 55, 248, 494}) assertEquals(true, demo.isSilent(t), "silent id " + t);
        assertEquals(false, demo.isSilent(2241), "2241 is no code of a 512-code model");
        assertEquals(false, demo.isSilent(511));
    }
}
