package org.voicestudio.engines.tensorrt.cache;

import org.voicestudio.engines.tensorrt.plan.FrameProfile;
import org.voicestudio.engines.tensorrt.plan.MaskMode;
import org.voicestudio.engines.tensorrt.plan.PrecisionMode;

/**
 * Everything besides GPU, TensorRT version and weights that changes a built engine.
 *
 * @param workspaceBytes      builder workspace pool limit (official: 4 GiB)
 * @param optimizationLevel   builder optimization level 0..5 (TensorRT default 3)
 * @param tf32                TF32 allowed for fp32 layers (off by default: parity with the fp32 reference)
 */
public record BuildOptions(PrecisionMode precision, MaskMode maskMode, FrameProfile profile, long workspaceBytes,
                           int optimizationLevel, boolean tf32) {
    public static final long OFFICIAL_WORKSPACE = 4L << 30;

    public BuildOptions {
        if (workspaceBytes <= 0) throw new IllegalArgumentException("workspace must be positive, got " + workspaceBytes);
        if (optimizationLevel < 0 || optimizationLevel > 5) {
            throw new IllegalArgumentException("TensorRT builder optimization level is 0..5, got " + optimizationLevel);
        }
    }

    /** Strongly typed fp16 mix, baked masks, the official profile and workspace. */
    public static BuildOptions defaults() {
        return new BuildOptions(PrecisionMode.MIXED_FP16, MaskMode.BAKED, FrameProfile.OFFICIAL, OFFICIAL_WORKSPACE, 3, false);
    }

    /** Stable text for the cache key: the same options always give the same string. */
    public String canonical() {
        return "precision=" + precision + ";mask=" + maskMode + ";profile=" + profile + ";workspace=" + workspaceBytes
                + ";opt=" + optimizationLevel + ";tf32=" + tf32;
    }
}
