package org.voicestudio.app.cli.parity;

/**
 * How close a recomputed tensor must be to its reference: an absolute bound on the largest
 * element error, a bound relative to the reference's peak ({@code max|err| / max|ref|}, for
 * waveforms and mels whose scale varies between fixtures), or, for log features, an absolute bound
 * on elements at or above a noise floor and a looser one below it (bins without signal, whose
 * values are the float32 rounding noise of the reference's FFT).
 */
public record Tolerance(Kind kind, double value, double floor, double belowFloor) {
    public enum Kind { ABSOLUTE, RELATIVE, FLOORED }

    public static Tolerance absolute(double value) { return new Tolerance(Kind.ABSOLUTE, value, Double.NEGATIVE_INFINITY, value); }

    public static Tolerance relative(double value) { return new Tolerance(Kind.RELATIVE, value, Double.NEGATIVE_INFINITY, value); }

    /** {@code value} absolute where the reference is at least {@code floor}, {@code belowFloor} elsewhere. */
    public static Tolerance floored(double floor, double value, double belowFloor) { return new Tolerance(Kind.FLOORED, value, floor, belowFloor); }

    /** NaN never passes. */
    boolean accepts(double maxAbsAboveFloor, double maxAbsBelowFloor, double maxRel) {
        return switch (kind) {
            case ABSOLUTE -> Math.max(maxAbsAboveFloor, maxAbsBelowFloor) <= value;
            case RELATIVE -> maxRel <= value;
            case FLOORED -> maxAbsAboveFloor <= value && maxAbsBelowFloor <= belowFloor;
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ABSOLUTE -> String.format("abs %.0e", value);
            case RELATIVE -> String.format("rel %.0e", value);
            case FLOORED -> String.format("abs %.0e (%.0e <%.0f)", value, belowFloor, floor);
        };
    }
}
