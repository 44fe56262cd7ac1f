package org.voicestudio.app.ui.takes;

import java.util.random.RandomGenerator;

/**
 * A blind ABX test between two takes: each trial hides one of A or B behind X; the listener says
 * which. The score's p-value is the chance of doing at least as well by guessing (one-sided binomial,
 * p = 1/2), which is what tells whether the two takes can really be told apart.
 */
public final class AbxSession {
    private final RandomGenerator random;
    private boolean xIsA;
    private int trials;
    private int correct;

    public AbxSession(RandomGenerator random) {
        this.random = random;
        nextTrial();
    }

    private void nextTrial() { xIsA = random.nextBoolean(); }

    /** Which take X plays in the current trial (for playback only; never shown before answering). */
    public boolean xIsA() { return xIsA; }

    /** Records the listener's answer ("X is A" = true), starts the next trial; returns whether it was right. */
    public boolean answer(boolean saysA) {
        boolean right = saysA == xIsA;
        trials++;
        if (right) correct++;
        nextTrial();
        return right;
    }

    public int trials() { return trials; }

    public int correct() { return correct; }

    /** P(at least {@code correct} of {@code trials} right by guessing); 1.0 before any trial. */
    public double pValue() {
        double p = 0;
        for (int k = correct; k <= trials; k++) p += binomial(trials, k);
        return Math.min(1.0, p / Math.pow(2, trials));
    }

    private static double binomial(int n, int k) {
        double c = 1;
        for (int i = 1; i <= k; i++) c = c * (n - k + i) / i;
        return c;
    }
}
