package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.vocoder.HiftDecoder;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernels of {@code hift.cu} written out in Java, float32 with the same FMA order (per output: input
 * channels ascending, taps ascending, then + bias, then + residual), so the {@link HiftPlan} that the GPU
 * runs can be checked against the golden tensors on a machine without a GPU.
 */
final class HostHiftOps implements HiftPlan.Ops<float[]> {
    private final float[] w;

    HostHiftOps(float[] packedWeights) { this.w = packedWeights; }

    @Override
    public void conv(HiftPlan.Conv c, float[] in, int tin, float[] out, int tout, float[] residual) {
        long len = (long) tin * c.up();
        int k = c.k();
        for (int co = 0; co < c.cout(); co++) {
            for (int t = 0; t < tout; t++) {
                float acc = 0f;
                long base = (long) t * c.stride() - c.padLeft();
                for (int ci = 0; ci < c.cin(); ci++) {
                    for (int kk = 0; kk < k; kk++) {
                        long u = base + (long) kk * c.dilation();
                        if (u < 0 || u >= len) continue;
                        acc = Math.fma(w[(int) (c.weight() + ((long) co * c.cin() + ci) * k + kk)], in[(int) (ci * (long) tin + u / c.up())], acc);
                    }
                }
                int i = co * tout + t;
                float v = acc + w[(int) c.bias() + co];
                if (residual != null) v = v + residual[i];
                out[i] = v;
            }
        }
    }

    @Override
    public void leakyRelu(float[] x, int n, float slope) {
        for (int i = 0; i < n; i++) x[i] = x[i] > 0f ? x[i] : x[i] * slope;
    }

    @Override
    public void snake(float[] out, float[] in, HiftPlan.Snake s, int channels, int frames) {
        for (int c = 0; c < channels; c++) {
            float a = w[(int) s.alpha() + c], inv = w[(int) s.invAlpha() + c];
            for (int t = 0; t < frames; t++) {
                int i = c * frames + t;
                float v = in[i];
                float sn = (float) Math.sin(v * a);
                out[i] = v + sn * sn * inv;
            }
        }
    }

    @Override
    public void addInto(float[] y, float[] a, int n) {
        for (int i = 0; i < n; i++) y[i] = y[i] + a[i];
    }

    @Override
    public void divide(float[] y, int n, float d) {
        for (int i = 0; i < n; i++) y[i] = y[i] / d;
    }

    @Override
    public void reflectPadLeft1(float[] out, float[] in, int channels, int frames) {
        for (int c = 0; c < channels; c++) {
            for (int t = 0; t <= frames; t++) out[c * (frames + 1) + t] = in[c * frames + (t == 0 ? 1 : t - 1)];
        }
    }

    /** The plan as a {@link HiftDecoder} on the host (tests only: one thread, no tiling). */
    static HiftDecoder decoder(HiftPlan plan) {
        HostHiftOps ops = new HostHiftOps(plan.packedWeights());
        return new HiftDecoder() {
            @Override
            public float[] forward(Mel mel, float[] sourceStft, int stftFrames, boolean finalize) {
                int frames = plan.decodedFrames(mel.frames(), finalize);
                List<float[]> work = new ArrayList<>();
                for (int i = 0; i < HiftPlan.WORK_BUFFERS; i++) work.add(new float[(int) plan.workFloats(frames)]);
                float[] out = plan.forward(ops, mel.data(), mel.frames(), sourceStft, stftFrames, frames, work);
                return java.util.Arrays.copyOf(out, plan.sourceChannels() * stftFrames);
            }

            @Override
            public void close() {}
        };
    }
}
