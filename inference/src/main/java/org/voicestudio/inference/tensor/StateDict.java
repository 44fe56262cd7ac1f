package org.voicestudio.inference.tensor;

import java.lang.foreign.Arena;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedSet;
import java.util.function.Predicate;

/**
 * Named tensors of one checkpoint file, in file order. Owns the memory mapping behind them:
 * closing it invalidates every tensor that was not {@link Tensor#copy() copied}.
 */
public final class StateDict implements AutoCloseable {
    private final String source;
    private final LinkedHashMap<String, Tensor> tensors;
    private final Arena arena;

    public StateDict(String source, Map<String, Tensor> tensors, Arena arena) {
        this.source = source;
        this.tensors = new LinkedHashMap<>(tensors);
        this.arena = arena;
    }

    /** A state dict over heap tensors (nothing to unmap). */
    public static StateDict of(String source, Map<String, Tensor> tensors) {
        return new StateDict(source, tensors, null);
    }

    public String source() { return source; }

    /**
     * The same file's mapping with other tensors (e.g. fused weights): ownership of the mapping
     * moves to the result, which must be closed instead of this one.
     */
    public StateDict withTensors(Map<String, Tensor> replacement) {
        return new StateDict(source, replacement, arena);
    }

    public SequencedSet<String> keys() { return Collections.unmodifiableSequencedSet(tensors.sequencedKeySet()); }

    public Map<String, Tensor> asMap() { return Collections.unmodifiableMap(tensors); }

    public boolean contains(String key) { return tensors.containsKey(key); }

    public int size() { return tensors.size(); }

    /** The tensor under {@code key}; a missing key is an error that names the file. */
    public Tensor get(String key) {
        Tensor t = tensors.get(key);
        if (t == null) throw new MissingKeyException(source, key);
        return t;
    }

    /** The tensor under {@code key}, checked against the expected shape. */
    public Tensor get(String key, long... expectedShape) {
        Tensor t = get(key);
        if (!t.hasShape(expectedShape)) {
            throw new ShapeMismatchException(source, key, expectedShape, t.shape());
        }
        return t;
    }

    /** The entries whose key starts with {@code prefix}, with the prefix removed. */
    public StateDict withPrefix(String prefix) {
        LinkedHashMap<String, Tensor> sub = new LinkedHashMap<>();
        tensors.forEach((k, v) -> { if (k.startsWith(prefix)) sub.put(k.substring(prefix.length()), v); });
        return new StateDict(source + " [" + prefix + "*]", sub, null);
    }

    public StateDict filter(Predicate<String> keep) {
        LinkedHashMap<String, Tensor> sub = new LinkedHashMap<>();
        tensors.forEach((k, v) -> { if (keep.test(k)) sub.put(k, v); });
        return new StateDict(source, sub, null);
    }

    public long parameterCount() {
        return tensors.values().stream().mapToLong(Tensor::numel).sum();
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }

    /** A key the model needs is not in the file. */
    public static final class MissingKeyException extends IllegalArgumentException {
        public MissingKeyException(String source, String key) {
            super(source + ": missing key '" + key + "'");
        }
    }

    /** A tensor's shape disagrees with the model configuration. */
    public static final class ShapeMismatchException extends IllegalArgumentException {
        public ShapeMismatchException(String source, String key, long[] expected, long[] actual) {
            super(source + ": '" + key + "' has shape " + java.util.Arrays.toString(actual)
                    + " but the configuration expects " + java.util.Arrays.toString(expected));
        }
    }
}
