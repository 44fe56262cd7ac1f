package org.voicestudio.inference.flow.host;

import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.util.SplittableRandom;

/** Where the host-side flow layers get their float32 weights: the checkpoint, or deterministic random values (benchmarks). */
public sealed interface HostWeights {

    /** The tensor {@code key} as a row-major float array, after checking it has {@code shape}. */
    float[] get(String key, long... shape);

    /** {@code flow.pt} keys as the official module names them ({@code spk_embed_affine_layer.weight}, ...). */
    record Checkpoint(StateDict flow) implements HostWeights {
        @Override
        public float[] get(String key, long... shape) {
            Tensor t = flow.get(key, shape);
            if (t.dtype() != DType.F32) throw new IllegalArgumentException(flow.source() + ": '" + key + "' is " + t.dtype() + ", expected F32");
            return t.toFloats();
        }
    }

    /** Uniform ±1/sqrt(fan-in) (biases ±0.02), seeded per key: full-geometry benchmarks without a checkpoint. */
    record Random(long seed) implements HostWeights {
        @Override
        public float[] get(String key, long... shape) {
            long n = 1, fanIn = 1;
            for (int i = 0; i < shape.length; i++) {
                n *= shape[i];
                if (i > 0) fanIn *= shape[i];
            }
            float scale = key.endsWith("bias") ? 0.02f : (float) (1 / Math.sqrt(fanIn));
            SplittableRandom r = new SplittableRandom(seed * 31 + key.hashCode());
            float[] v = new float[Math.toIntExact(n)];
            for (int i = 0; i < v.length; i++) v[i] = (float) (scale * (2 * r.nextDouble() - 1));
            return v;
        }
    }
}
