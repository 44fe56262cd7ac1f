package org.voicestudio.engines.tensorrt.plan;

/** One dimension of a plan tensor: a fixed size or an affine function {@code a·T + b} of the dynamic frame count T. */
public sealed interface Dim {

    /** The size for a concrete frame count. */
    long resolve(int frames);

    record Fixed(long size) implements Dim {
        public Fixed {
            if (size <= 0) throw new IllegalArgumentException("a fixed dimension must be positive, got " + size);
        }
        @Override public long resolve(int frames) { return size; }
        @Override public String toString() { return Long.toString(size); }
    }

    /** {@code scale·T + offset}: T for the DiT, 120T+1 for the vocoder's STFT frames. */
    record Frames(long scale, long offset) implements Dim {
        public Frames {
            if (scale <= 0) throw new IllegalArgumentException("a frame dimension needs a positive scale, got " + scale);
        }
        @Override public long resolve(int frames) { return scale * frames + offset; }
        @Override public String toString() {
            String t = scale == 1 ? "T" : scale + "T";
            return offset == 0 ? t : offset > 0 ? t + "+" + offset : t + offset;
        }
    }

    static Dim of(long size) { return new Fixed(size); }

    Dim T = new Frames(1, 0);
}
