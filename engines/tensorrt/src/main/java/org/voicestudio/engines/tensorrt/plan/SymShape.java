package org.voicestudio.engines.tensorrt.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A tensor shape whose dimensions may depend on the dynamic frame count T, e.g. {@code [2, T, 1024]}. */
public record SymShape(List<Dim> dims) {
    public SymShape {
        dims = List.copyOf(dims);
    }

    /** Integers are fixed sizes; {@link Dim} values are taken as they are. */
    public static SymShape of(Object... dims) {
        List<Dim> d = new ArrayList<>();
        for (Object o : dims) {
            d.add(switch (o) {
                case Dim x -> x;
                case Integer i -> new Dim.Fixed(i);
                case Long l -> new Dim.Fixed(l);
                default -> throw new IllegalArgumentException("dimension " + o + " is neither a size nor a Dim");
            });
        }
        return new SymShape(d);
    }

    public int rank() { return dims.size(); }

    public Dim dim(int i) { return dims.get(i < 0 ? dims.size() + i : i); }

    /** The concrete shape for {@code frames}. */
    public long[] resolve(int frames) {
        return dims.stream().mapToLong(d -> d.resolve(frames)).toArray();
    }

    /** True when no dimension depends on T. */
    public boolean isStatic() { return dims.stream().allMatch(d -> d instanceof Dim.Fixed); }

    /** This shape with dimension {@code i} replaced. */
    public SymShape with(int i, Dim d) {
        List<Dim> copy = new ArrayList<>(dims);
        copy.set(i < 0 ? dims.size() + i : i, d);
        return new SymShape(copy);
    }

    @Override public String toString() { return Arrays.toString(dims.toArray()); }
}
