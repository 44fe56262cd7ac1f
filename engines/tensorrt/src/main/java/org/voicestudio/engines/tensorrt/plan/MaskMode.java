package org.voicestudio.engines.tensorrt.plan;

/**
 * How the DiT's attention mask gets into the engine (reference §4.3, §4.4).
 * {@code BAKED}: the mask is computed inside the graph from the frame-validity input {@code mask} (2, 1, T)
 * and the frame index; one plan per pattern, full attention or the 50-frame block-causal streaming mask
 * (like NVIDIA's separate streaming ONNX). {@code INPUT}: one plan takes an additive attention bias
 * (2, 1, T, T) computed on the host by {@code FlowAttentionMask}: one engine for both patterns, at the cost
 * of a T x T upload per call (72 MB at T = 3000).
 */
public enum MaskMode { BAKED, INPUT }
