package org.voicestudio.inference.flow;

/**
 * The DiT's attention mask ({@code add_optional_chunk_mask} as {@code DiT.forward} calls it, reference §4.3):
 * query i may see key j when j is a valid frame and, when streaming, j lies in i's 50-frame chunk or
 * an earlier one (chunks counted from frame 0 of prompt + target; all left chunks). A query row that
 * would see nothing is opened fully, as the official helper does (only padding rows can be such).
 */
public final class FlowAttentionMask {
    private FlowAttentionMask() {}

    /** True when every query sees every key: not streaming and all frames valid (the usual batch-of-one call). */
    public static boolean isFull(float[] mask, boolean streaming) {
        if (streaming) return false;
        for (float m : mask) if (m == 0f) return false;
        return true;
    }

    /**
     * @param mask      (B, 1, T) frame validity (non-zero = valid)
     * @param chunkSize static_chunk_size in frames (50), used when streaming
     * @return (B, T, T) row-major, true where attention is allowed
     */
    public static boolean[] build(float[] mask, int batch, int frames, boolean streaming, int chunkSize) {
        if (mask.length != batch * frames) {
            throw new IllegalArgumentException("mask needs " + batch * frames + " values (" + batch + " x 1 x " + frames + "), got " + mask.length);
        }
        if (streaming && chunkSize <= 0) throw new IllegalArgumentException("streaming needs a positive chunk size, got " + chunkSize);
        boolean[] out = new boolean[batch * frames * frames];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < frames; i++) {
                int visibleEnd = streaming ? Math.min(frames, (i / chunkSize + 1) * chunkSize) : frames;
                int row = (b * frames + i) * frames;
                boolean any = false;
                for (int j = 0; j < visibleEnd; j++) {
                    boolean v = mask[b * frames + j] != 0f;
                    out[row + j] = v;
                    any |= v;
                }
                if (!any) java.util.Arrays.fill(out, row, row + frames, true);
            }
        }
        return out;
    }

    /**
     * Frames whose attention output is kept: the official processor zeroes output rows with
     * {@code mask[:, 0, -1]}, the last query row of the mask, i.e. the valid frames.
     *
     * @return (B, T) 1 for kept rows, 0 for zeroed
     */
    public static float[] outputRows(boolean[] attention, int batch, int frames) {
        float[] rows = new float[batch * frames];
        for (int b = 0; b < batch; b++) {
            int last = (b * frames + frames - 1) * frames;
            for (int j = 0; j < frames; j++) rows[b * frames + j] = attention[last + j] ? 1f : 0f;
        }
        return rows;
    }
}
