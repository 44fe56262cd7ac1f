package org.voicestudio.inference.flow;

/**
 * The flow-matching velocity network (the DiT of {@code CausalConditionalCFM.estimator}), as one raw call
 * with the exported-graph contract of reference §4.4: inputs {@code x, mask, mu, t, spks, cond} for a
 * classifier-free-guidance batch of 2, output the velocity (2, 80, T).
 */
public interface FlowEstimator {

    /** @return the raw estimator output {@code estimator_out} (2, mel, T), row-major */
    float[] velocity(Input input);

    /**
     * One estimator call; every array is row-major in the PyTorch shape given.
     *
     * @param melChannels mel bins (80)
     * @param frames      T, mel frames of prompt + target
     * @param x           (2, mel, T) the current sample (same in both rows)
     * @param mask        (2, 1, T) 1 for valid frames
     * @param mu          (2, mel, T) token conditioning (row 1 zero)
     * @param t           (2,) flow time
     * @param spks        (2, mel) speaker conditioning (row 1 zero)
     * @param cond        (2, mel, T) prompt mel in the first 2P frames (row 1 zero)
     * @param streaming   50-frame block-causal attention counted from frame 0 of prompt + target
     *                    (DiT {@code static_chunk_size}); otherwise full attention over valid frames
     */
    record Input(int melChannels, int frames, float[] x, float[] mask, float[] mu, float[] t, float[] spks, float[] cond,
                 boolean streaming) {
        public static final int BATCH = 2;

        public Input {
            if (frames <= 0) throw new IllegalArgumentException("estimator input needs at least one frame, got " + frames);
            long plane = (long) BATCH * melChannels * frames;
            check("x", x, plane);
            check("mask", mask, (long) BATCH * frames);
            check("mu", mu, plane);
            check("t", t, BATCH);
            check("spks", spks, (long) BATCH * melChannels);
            check("cond", cond, plane);
        }

        private static void check(String name, float[] a, long expected) {
            if (a == null || a.length != expected) {
                throw new IllegalArgumentException("estimator input '" + name + "' needs " + expected + " values, got "
                        + (a == null ? "null" : a.length));
            }
        }
    }
}
