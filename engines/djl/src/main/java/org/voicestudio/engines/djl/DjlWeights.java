package org.voicestudio.engines.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

/** Moves checkpoint tensors into DJL NDArrays of one manager, checking shapes on the way. */
public final class DjlWeights {
    private final StateDict dict;
    private final NDManager manager;

    public DjlWeights(StateDict dict, NDManager manager) {
        this.dict = dict;
        this.manager = manager;
    }

    public NDManager manager() { return manager; }

    public StateDict dict() { return dict; }

    /** The tensor under {@code key} as float32, with the expected shape. */
    public NDArray f32(String key, long... shape) {
        Tensor t = dict.get(key, shape);
        return floats(t);
    }

    /** The tensor under {@code key} as float32, any shape. */
    public NDArray f32(String key) {
        return floats(dict.get(key));
    }

    /** The tensor under {@code key} as float64 (the F0 predictor runs in double precision). */
    public NDArray f64(String key) {
        Tensor t = dict.get(key);
        return manager.create(t.toDoubles(), new Shape(t.shape()));
    }

    public boolean has(String key) { return dict.contains(key); }

    private NDArray floats(Tensor t) {
        if (t.dtype() == org.voicestudio.inference.tensor.DType.F32 && t.data().byteSize() < Integer.MAX_VALUE) {
            // DJL wraps a direct buffer without copying; copy so the array outlives the file mapping
            NDArray view = manager.create(t.data().asByteBuffer(), new Shape(t.shape()), DataType.FLOAT32);
            NDArray owned = view.duplicate();
            view.close();
            return owned;
        }
        return manager.create(t.toFloats(), new Shape(t.shape()));
    }
}
