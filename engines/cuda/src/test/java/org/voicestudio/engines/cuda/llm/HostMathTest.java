package org.voicestudio.engines.cuda.llm;

import org.voicestudio.engines.cuda.Bf16;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Host-side numerics the GPU path relies on; runs everywhere. */
class HostMathTest {

    @Test
    void bf16RoundsToNearestEvenLikePyTorch() {
        assertEquals((short) 0x3f80, Bf16.round(1.0f));
        // 1 + 2^-8 is exactly half-way between bf16 1.0 and 1.0078125: ties go to the even mantissa (1.0)
        assertEquals((short) 0x3f80, Bf16.round(Float.intBitsToFloat(0x3f808000)));
        // 1.0078125 + half an ulp: tie, odd mantissa rounds up to 1.015625
        assertEquals((short) 0x3f82, Bf16.round(Float.intBitsToFloat(0x3f818000)));
        assertEquals((short) 0x3f81, Bf16.round(Float.intBitsToFloat(0x3f808001)));   // above half-way
        assertEquals((short) 0xbf80, Bf16.round(-1.0f));
        assertEquals((short) 0x7fc0, Bf16.round(Float.NaN));
        assertEquals((short) 0x7f80, Bf16.round(Float.POSITIVE_INFINITY));
    }

    @Test
    void ropeInverseFrequenciesFollowQwen2() {
        float[] f = Qwen2Decoder.inverseFrequencies(64, 1e6);
        assertEquals(32, f.length);
        assertEquals(1.0f, f[0]);
        for (int i = 0; i < f.length; i++) {
            double expected = 1.0 / Math.pow(1e6, 2.0 * i / 64);
            assertEquals(expected, f[i], expected * 1e-6, "inv_freq[" + i + "]");
        }
    }
}
