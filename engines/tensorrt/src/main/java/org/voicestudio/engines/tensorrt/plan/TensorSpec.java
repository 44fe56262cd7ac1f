package org.voicestudio.engines.tensorrt.plan;

/** A named tensor of a plan: network input, layer output or network output. */
public record TensorSpec(String name, SymShape shape, Precision precision) {
    @Override public String toString() { return name + " " + shape + " " + precision; }
}
