package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * One layer's keys and values of one session, in buffers {@code [1, kv_heads, capacity, hd]} that
 * grow by doubling, so a decode step writes one position in place instead of copying the whole
 * cache. The buffers belong to the session's manager.
 */
final class KvCache {
    private final NDManager manager;
    private final int kvHeads;
    private final int headDim;
    private NDArray keys, values;
    private int length;

    KvCache(NDManager manager, int kvHeads, int headDim, int initialCapacity) {
        this.manager = manager;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keys = manager.zeros(new Shape(1, kvHeads, initialCapacity, headDim), DataType.FLOAT32);
        this.values = manager.zeros(new Shape(1, kvHeads, initialCapacity, headDim), DataType.FLOAT32);
    }

    int length() { return length; }

    /**
     * Writes k, v [1, kv_heads, T, hd] at positions {@code length .. length+T-1} and returns views of
     * every cached position {@code [1, kv_heads, length+T, hd]}, owned by {@code step}.
     */
    NDArray[] append(NDArray k, NDArray v, NDManager step) {
        int t = Math.toIntExact(k.getShape().get(2));
        ensureCapacity(length + t);
        NDIndex slot = new NDIndex(":, :, {}:{}", length, length + t);
        keys.set(slot, k);
        values.set(slot, v);
        length += t;
        NDIndex filled = new NDIndex(":, :, :{}", length);
        return new NDArray[] {keys.get(step, filled), values.get(step, filled)};
    }

    private void ensureCapacity(int needed) {
        long capacity = keys.getShape().get(2);
        if (needed <= capacity) return;
        long grown = Math.max(needed, 2 * capacity);
        keys = grow(keys, grown);
        values = grow(values, grown);
    }

    private NDArray grow(NDArray old, long capacity) {
        NDArray bigger = manager.zeros(new Shape(1, kvHeads, capacity, headDim), DataType.FLOAT32);
        if (length > 0) {
            try (NDManager scratch = manager.newSubManager()) {
                bigger.set(new NDIndex(":, :, :{}", length), old.get(scratch, new NDIndex(":, :, :{}", length)));
            }
        }
        old.close();
        return bigger;
    }
}
