package org.voicestudio.inference.flow;

/**
 * Standard-normal floats drawn the way PyTorch's CPU generator fills {@code torch.randn} for a contiguous
 * float32 tensor of at least 16 elements: a 32-bit MT19937 seeded like {@code torch.manual_seed(seed)},
 * one 24-bit uniform per element, then Box-Muller over blocks of 16 (u1 from the first 8, u2 from the last
 * 8; cos to the first half, sin to the second; a ragged tail recomputes the last 16 with fresh uniforms).
 * The angle is {@code (float) 2 pi * u2} in float32, as PyTorch's AVX2 path computes it.
 *
 * <p>This reproduces the official values up to the last bit only: PyTorch evaluates log/cos/sin with
 * vectorised SLEEF routines (1-ulp accuracy) on AVX2 machines and with the C library elsewhere, so the
 * exact float32 tensor depends on the machine that made it and cannot be regenerated bit for bit here.
 * We use {@link StrictMath} so that our own noise is the same on every machine and JVM.
 */
final class TorchCpuNormal {
    private static final int N = 624, M = 397;
    private final int[] state = new int[N];
    private int next = N;

    TorchCpuNormal(long seed) {
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) state[j] = 1812433253 * (state[j - 1] ^ (state[j - 1] >>> 30)) + j;
    }

    /** One tempered 32-bit MT19937 output. */
    int nextInt() {
        if (next >= N) twist();
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (state[i] & 0x80000000) | (state[(i + 1) % N] & 0x7fffffff);
            state[i] = state[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        next = 0;
    }

    /** {@code uniform_real_distribution<float>(0, 1)}: the low 24 bits times 2^-24. */
    float nextUniform() {
        return (nextInt() & 0xffffff) * 0x1p-24f;
    }

    /** {@code torch.randn(size)} of a fresh generator (size >= 16), row-major. */
    float[] normal(int size) {
        if (size < 16) throw new IllegalArgumentException("the block Box-Muller fill needs at least 16 values, got " + size);
        float[] data = new float[size];
        for (int i = 0; i < size; i++) data[i] = nextUniform();
        for (int i = 0; i + 16 <= size; i += 16) boxMuller16(data, i);
        if (size % 16 != 0) {
            int tail = size - 16;
            for (int i = 0; i < 16; i++) data[tail + i] = nextUniform();
            boxMuller16(data, tail);
        }
        return data;
    }

    private static void boxMuller16(float[] d, int off) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - d[off + j];               // [0, 1) -> (0, 1] for the log
            float u2 = d[off + j + 8];
            float radius = (float) StrictMath.sqrt((float) (-2f * (float) StrictMath.log(u1)));
            float theta = (float) (2.0 * Math.PI) * u2;
            d[off + j] = radius * (float) StrictMath.cos(theta);
            d[off + j + 8] = radius * (float) StrictMath.sin(theta);
        }
    }
}
