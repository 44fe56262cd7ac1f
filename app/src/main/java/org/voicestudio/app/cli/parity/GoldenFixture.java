package org.voicestudio.app.cli.parity;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A golden tensor file being checked, plus the comparisons made against it so far. Sizes come from
 * the tensors themselves (any fixture of the cv3-tiny form works).
 */
public final class GoldenFixture {
    private final StateDict tensors;
    private final Map<String, Comparison> results = new LinkedHashMap<>();

    public GoldenFixture(StateDict tensors) { this.tensors = tensors; }

    public boolean has(String... names) {
        for (String n : names) if (!tensors.contains(n)) return false;
        return true;
    }

    /** The names among {@code names} this fixture lacks. */
    public List<String> missing(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) if (!tensors.contains(n)) out.add(n);
        return out;
    }

    public Tensor tensor(String name) { return tensors.get(name); }

    public int[] ints(String name) { return tensors.get(name).toInts(); }

    public float[] floats(String name) { return tensors.get(name).toFloats(); }

    /** A (1, C, T) channel-major tensor as a mel. */
    public Mel mel(String name) {
        Tensor t = tensors.get(name);
        return new Mel((int) t.dim(-2), (int) t.dim(-1), t.toFloats());
    }

    /** A (1, T, C) time-major tensor ({@code prompt_speech_feat}) as a mel. */
    public Mel timeMajorMel(String name) {
        Tensor t = tensors.get(name);
        return Mel.fromTimeMajor(t.toFloats(), (int) t.dim(-2), (int) t.dim(-1));
    }

    /** Compares {@code actual} of shape {@code shape} against the reference of that name, if the fixture has it. */
    public void compare(String name, float[] actual, Tolerance tolerance, long... shape) {
        if (tensors.contains(name)) results.put(name, Comparison.of(name, actual, shape, tensors.get(name), tolerance));
    }

    public void compare(String name, double[] actual, Tolerance tolerance, long... shape) {
        if (tensors.contains(name)) results.put(name, Comparison.of(name, actual, shape, tensors.get(name), tolerance));
    }

    public void compareExact(String name, long[] actual, long... shape) {
        if (tensors.contains(name)) results.put(name, Comparison.of(name, actual, shape, tensors.get(name)));
    }

    /** A mel against a (1, C, T) reference. */
    public void compare(String name, Mel actual, Tolerance tolerance) {
        compare(name, actual.data(), tolerance, 1, actual.channels(), actual.frames());
    }

    /** A waveform against a (1, L) reference. */
    public void compareWave(String name, float[] samples, Tolerance tolerance) {
        compare(name, samples, tolerance, 1, samples.length);
    }

    public Map<String, Comparison> results() { return results; }

    public Iterable<String> names() { return tensors.keys(); }
}
