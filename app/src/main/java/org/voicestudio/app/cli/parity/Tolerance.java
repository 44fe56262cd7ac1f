package org.voicestudio.app.cli.parity;

/**
 * How close a recomputed tensor must be to its reference: an absolute bound on the largest
 * element error, or a bound relative to the reference's peak ({@code max|err| / max|ref|}), which
 * suits waveforms and mels whose scale varies between fixtures.
 */
public record Tolerance(Kind kind, double value) {
    public enum Kind { ABSOLUTE, RELATIVE }

    public static Tolerance absolute(double value) { return new Tolerance(Kind.ABSOLUTE, value); }

    public static Tolerance relative(double value) { return new Tolerance(Kind.RELATIVE, value); }

    boolean accepts(double maxAbs, double maxRel) {
        double err = kind == Kind.ABSOLUTE ? maxAbs : maxRel;
        return err <= value;   // NaN never passes
    }

    @Override public String toString() { return (kind == Kind.ABSOLUTE ? "abs " : "rel ") + String.format("%.0e", value); }
}
