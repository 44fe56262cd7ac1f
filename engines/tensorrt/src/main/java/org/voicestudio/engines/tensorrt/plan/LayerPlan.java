package org.voicestudio.engines.tensorrt.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * A network as TensorRT will be asked to build it: inputs, every layer in order with its symbolic output shape
 * and precision, outputs, the optimization profile. Plain data: decided and tested without TensorRT; the
 * {@code TensorRtNetworkBuilder} only translates it. A plan is strongly typed: every layer's inputs have the
 * layer's precision, except {@link Op.Cast} layers.
 *
 * @param name    file-name-safe id ("dit-fp16-full", "hift-decoder-fp32")
 * @param mode    how it is typed
 * @param profile the frame range the engine is built for
 */
public record LayerPlan(String name, PrecisionMode mode, FrameProfile profile, List<TensorSpec> inputs, List<Layer> layers,
                        List<String> outputs) {

    public LayerPlan {
        inputs = List.copyOf(inputs);
        layers = List.copyOf(layers);
        outputs = List.copyOf(outputs);
        validate(name, inputs, layers, outputs);
    }

    /** Every tensor by name: inputs and layer outputs. */
    public Map<String, TensorSpec> tensors() {
        Map<String, TensorSpec> m = new java.util.LinkedHashMap<>();
        for (TensorSpec t : inputs) m.put(t.name(), t);
        for (Layer l : layers) m.put(l.name(), l.output());
        return m;
    }

    public TensorSpec tensor(String name) {
        TensorSpec t = tensors().get(name);
        if (t == null) throw new IllegalArgumentException("plan " + this.name + " has no tensor '" + name + "'");
        return t;
    }

    public Layer layer(String name) {
        return layers.stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("plan " + this.name + " has no layer '" + name + "'"));
    }

    /** Checkpoint keys the plan reads, in first-use order: the tensors the weights hash covers. */
    public SequencedSet<String> weightKeys() {
        SequencedSet<String> keys = new LinkedHashSet<>();
        for (Layer l : layers) keys.addAll(l.op().weightKeys());
        return keys;
    }

    /** One line per layer, for the doctor report and for reading a plan. */
    public String describe() {
        StringBuilder sb = new StringBuilder("plan " + name + " (" + mode + ", frames " + profile + ")\n");
        for (TensorSpec t : inputs) sb.append("  input  ").append(t).append('\n');
        for (Layer l : layers) sb.append("  ").append(l).append('\n');
        for (String o : outputs) sb.append("  output ").append(tensor(o)).append('\n');
        return sb.toString();
    }

    private static void validate(String name, List<TensorSpec> inputs, List<Layer> layers, List<String> outputs) {
        Map<String, TensorSpec> seen = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (TensorSpec t : inputs) {
            if (seen.put(t.name(), t) != null) problems.add("duplicate input " + t.name());
        }
        for (Layer l : layers) {
            for (String in : l.inputs()) {
                TensorSpec t = seen.get(in);
                if (t == null) {
                    problems.add(l.name() + " reads '" + in + "', which no earlier layer or input produces");
                } else if (!(l.op() instanceof Op.Cast) && t.precision() != l.precision()) {
                    problems.add(l.name() + " is " + l.precision() + " but its input " + in + " is " + t.precision()
                            + " (strongly typed: a cast is needed)");
                }
            }
            if (seen.put(l.name(), l.output()) != null) problems.add("duplicate tensor name " + l.name());
        }
        for (String o : outputs) {
            if (!seen.containsKey(o)) problems.add("output '" + o + "' is not produced");
        }
        if (!problems.isEmpty()) throw new IllegalStateException("layer plan " + name + " is inconsistent:\n  " + String.join("\n  ", problems));
    }
}
