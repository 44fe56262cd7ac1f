package org.voicestudio.inference.flow.host;

/** Float32 dot product of the host-side flow layers. */
final class HostMath {
    private HostMath() {}

    /**
     * {@code sum a[ao + i] * b[bo + i]} over {@code n} terms in float32, in four interleaved partial sums
     * (independent chains the JIT can pipeline; a reordering of the same float32 sum PyTorch does).
     */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
        return (s0 + s1) + (s2 + s3);
    }
}
