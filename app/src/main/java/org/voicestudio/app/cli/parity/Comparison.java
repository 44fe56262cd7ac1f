package org.voicestudio.app.cli.parity;

import org.voicestudio.inference.tensor.Tensor;

import java.util.Arrays;

/**
 * One recomputed tensor against its reference.
 *
 * @param maxAbs     largest |actual - reference| over all elements
 * @param maxRel     {@code maxAbs / max|reference|} (the error relative to the tensor's peak)
 * @param maxAbove   largest error where the reference is at or above the tolerance's noise floor
 *                   (every element when it has none)
 * @param maxBelow   largest error where the reference is below that floor
 * @param note       why the comparison could not be made (shape mismatch), else empty
 */
public record Comparison(String name, double maxAbs, double maxRel, double maxAbove, double maxBelow, Tolerance tolerance, String note) {

    public boolean ok() { return note.isEmpty() && tolerance.accepts(maxAbove, maxBelow, maxRel); }

    /** Compares {@code actual} of shape {@code actualShape} to {@code reference}. */
    public static Comparison of(String name, double[] actual, long[] actualShape, Tensor reference, Tolerance tolerance) {
        long[] refShape = reference.shape();
        if (!sameShape(actualShape, refShape)) {
            return new Comparison(name, Double.NaN, Double.NaN, Double.NaN, Double.NaN, tolerance,
                    "shape " + Arrays.toString(actualShape) + " but reference is " + Arrays.toString(refShape));
        }
        double[] ref = reference.toDoubles();
        double above = 0, below = 0, peak = 0;
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(actual[i] - ref[i]);   // NaN propagates through Math.max
            if (ref[i] >= tolerance.floor()) above = Math.max(above, err);
            else below = Math.max(below, err);
            peak = Math.max(peak, Math.abs(ref[i]));
        }
        double maxAbs = Math.max(above, below);
        double maxRel = peak > 0 ? maxAbs / peak : (maxAbs == 0 ? 0 : Double.POSITIVE_INFINITY);
        return new Comparison(name, maxAbs, maxRel, above, below, tolerance, "");
    }

    public static Comparison of(String name, float[] actual, long[] actualShape, Tensor reference, Tolerance tolerance) {
        double[] d = new double[actual.length];
        for (int i = 0; i < d.length; i++) d[i] = actual[i];
        return of(name, d, actualShape, reference, tolerance);
    }

    /** Integer data (ids, traces): exact. */
    public static Comparison of(String name, long[] actual, long[] actualShape, Tensor reference) {
        double[] d = new double[actual.length];
        for (int i = 0; i < d.length; i++) d[i] = actual[i];
        return of(name, d, actualShape, reference, Tolerance.absolute(0));
    }

    /** Shapes agree, ignoring leading 1s (the official batch dimension). */
    static boolean sameShape(long[] a, long[] b) {
        return Arrays.equals(squeezeLeading(a), squeezeLeading(b));
    }

    private static long[] squeezeLeading(long[] s) {
        int i = 0;
        while (i < s.length - 1 && s[i] == 1) i++;
        return Arrays.copyOfRange(s, i, s.length);
    }

    /** {@code name  max_abs  max_rel  tolerance  OK|FAIL}. */
    public String line() {
        String verdict = ok() ? "OK" : "FAIL";
        if (!note.isEmpty()) return String.format("%-28s %10s %10s %10s  %s (%s)", name, "-", "-", tolerance, verdict, note);
        return String.format("%-28s %10.3e %10.3e %10s  %s", name, maxAbs, maxRel, tolerance, verdict);
    }
}
