package org.voicestudio.engines.cuda;

/** float32 to bfloat16 bits, rounding to nearest even like PyTorch's {@code .to(torch.bfloat16)}. */
public final class Bf16 {
    private Bf16() {}

    public static short round(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) 0x7fc0;   // NaN
        u += 0x7fff + ((u >>> 16) & 1);
        return (short) (u >>> 16);
    }

    public static short[] fromFloats(float[] v) {
        short[] out = new short[v.length];
        for (int i = 0; i < v.length; i++) out[i] = round(v[i]);
        return out;
    }
}
