package org.voicestudio.engines.tensorrt.plan;

/** The element type a layer computes and stores in (TensorRT {@code DataType} kFLOAT / kHALF / kBF16). */
public enum Precision {
    FP32(4), FP16(2), BF16(2);

    private final int bytes;

    Precision(int bytes) { this.bytes = bytes; }

    public int bytes() { return bytes; }
}
