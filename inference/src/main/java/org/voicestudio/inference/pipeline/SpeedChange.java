package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.audio.Mel;

/**
 * Speed change as the official token2wav does it: {@code F.interpolate(mel,
 * size=int(T / speed), mode='linear')} (align_corners False) on the mel before the vocoder.
 */
public final class SpeedChange {
    private SpeedChange() {}

    /** The mel resampled in time to {@code (int) (frames / speed)} frames. */
    public static Mel stretch(Mel mel, double speed) {
        if (!(speed > 0) || Double.isInfinite(speed)) throw new IllegalArgumentException("speed must be a positive number, got " + speed);
        int outFrames = (int) (mel.frames() / speed);
        return resampleLinear(mel, outFrames);
    }

    /**
     * PyTorch's 1-D linear upsampling with {@code align_corners=False}: output frame j reads source
     * position {@code (j + 0.5) * in / out - 0.5}, clamped at 0, interpolating between its floor
     * and the next frame (the last frame repeats at the right edge). Arithmetic in float32 like
     * PyTorch's CPU kernel.
     */
    public static Mel resampleLinear(Mel mel, int outFrames) {
        if (outFrames < 0) throw new IllegalArgumentException("negative frame count " + outFrames);
        int in = mel.frames();
        if (in == 0 && outFrames > 0) throw new IllegalArgumentException("cannot resample an empty mel to " + outFrames + " frames");
        float[] out = new float[mel.channels() * outFrames];
        float scale = (float) in / outFrames;
        float[] data = mel.data();
        for (int j = 0; j < outFrames; j++) {
            float src = scale * (j + 0.5f) - 0.5f;
            if (src < 0) src = 0;
            int i0 = (int) src;
            int step = i0 < in - 1 ? 1 : 0;
            float l1 = src - i0;
            float l0 = 1.0f - l1;
            for (int c = 0; c < mel.channels(); c++) {
                int base = c * in;
                out[c * outFrames + j] = l0 * data[base + i0] + l1 * data[base + i0 + step];
            }
        }
        return new Mel(mel.channels(), outFrames, out);
    }
}
