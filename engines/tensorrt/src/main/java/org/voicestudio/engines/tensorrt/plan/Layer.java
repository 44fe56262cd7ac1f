package org.voicestudio.engines.tensorrt.plan;

import java.util.List;

/**
 * One step of a layer plan: {@code op} over the named {@code inputs}, producing {@code output} (named like the
 * layer) in the layer's precision. {@code why} says why a layer is kept in fp32 in a mixed plan (empty otherwise).
 */
public record Layer(Op op, List<String> inputs, TensorSpec output, String why) {
    public Layer {
        inputs = List.copyOf(inputs);
    }

    public String name() { return output.name(); }

    public Precision precision() { return output.precision(); }

    @Override public String toString() {
        return name() + " = " + op.getClass().getSimpleName() + inputs + " -> " + output.shape() + " " + output.precision()
                + (why.isEmpty() ? "" : "  (" + why + ")");
    }
}
