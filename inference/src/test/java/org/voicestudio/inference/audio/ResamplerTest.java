package org.voicestudio.inference.audio;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.testing.Golden;

import static org.junit.jupiter.api.Assertions.*;

class ResamplerTest {
    /** float64 accumulation of the float32 kernel vs torch's float32 conv1d, samples up to ~0.75. */
    private static final double RESAMPLE_TOL = 1e-6;

    @Test
    void downsamplingTo16kMatchesTorchaudioResample() {
        float[] wave24 = Golden.tensor("fe_wave_24k").toFloats();
        float[] out = new Resampler(24000, 16000).resample(wave24);
        AudioAssert.assertClose(Golden.tensor("fe_wave_16k").toFloats(), out, RESAMPLE_TOL, "fe_wave_16k");
    }

    @Test
    void equalRatesReturnTheInput() {
        float[] x = {0.1f, 0.2f};
        assertSame(x, new Resampler(24000, 24000).resample(x));
    }

    @Test
    void outputLengthIsCeilOfTheRateRatio() {
        assertEquals(7, new Resampler(24000, 16000).resample(new float[10]).length);   // ceil(10 * 2 / 3)
        assertEquals(15, new Resampler(16000, 24000).resample(new float[10]).length);
    }
}
