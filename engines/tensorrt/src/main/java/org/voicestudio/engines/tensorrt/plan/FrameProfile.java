package org.voicestudio.engines.tensorrt.plan;

/**
 * A TensorRT optimization profile over the dynamic frame count T. The official build uses min 4 / opt 500 /
 * max 3000 mel frames for {@code x, mask, mu, cond} (reference §4.4): 3000 frames = 60 s of prompt + target.
 */
public record FrameProfile(int min, int opt, int max) {
    public static final FrameProfile OFFICIAL = new FrameProfile(4, 500, 3000);

    public FrameProfile {
        if (min <= 0 || opt < min || max < opt) {
            throw new IllegalArgumentException("optimization profile needs 0 < min <= opt <= max, got " + min + "/" + opt + "/" + max);
        }
    }

    public boolean covers(int frames) { return frames >= min && frames <= max; }

    /** Rejects a call outside the profile with what the engine supports. */
    public void check(int frames) {
        if (!covers(frames)) {
            throw new IllegalArgumentException(frames + " frames are outside the engine's optimization profile " + min + ".." + max
                    + " (rebuild with a larger max to go beyond)");
        }
    }

    @Override public String toString() { return min + "/" + opt + "/" + max; }
}
