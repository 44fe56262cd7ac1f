package org.voicestudio.inference.llm;

import org.voicestudio.inference.config.ModelConfig.SamplingConfig;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * {@code ras_sampling} of {@code cosyvoice/utils/common.py} (reference §3.4), temperature 1:
 * <ol>
 *   <li>nucleus: softmax of the scores, sorted descending (stable: equal probabilities keep index
 *       order); take tokens while the running sum is below {@code top_p} and fewer than
 *       {@code top_k} are taken (so the token that crosses {@code top_p} is included); draw one of
 *       them with probability proportional to its (not renormalised) probability;</li>
 *   <li>repetition-aware: if that token occurs at least {@code win_size * tau_r} times among the
 *       last {@code win_size} outputs, set its score to -inf and draw again from the FULL softmax
 *       of the remaining scores (no top-k, no top-p).</li>
 * </ol>
 * Scores are the LM's log-probs, possibly with -inf entries (masked stop ids). The random source is
 * injected so a seed reproduces a take; PyTorch's generator is not reproduced (the official sampler
 * is not deterministic per seed across implementations anyway). Not thread-safe: one per utterance.
 */
public final class RasSampler {

    /** The generator {@link #seeded} uses: fast, splittable-quality, stable across JDKs. */
    public static final String RANDOM_ALGORITHM = "L64X128MixRandom";

    private final float topP;
    private final int topK;
    private final int winSize;
    private final double repetitionThreshold;
    private final RandomGenerator random;

    // reused per call: the nucleus, best first
    private final int[] nucleusIds;
    private final float[] nucleusProbs;

    public RasSampler(SamplingConfig config, RandomGenerator random) {
        if (config.topK() < 1) throw new IllegalArgumentException("top_k must be at least 1, got " + config.topK());
        if (!(config.topP() > 0 && config.topP() <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + config.topP());
        if (config.winSize() < 0) throw new IllegalArgumentException("win_size must not be negative, got " + config.winSize());
        // torch compares the float32 running sum with the Python float in float32
        this.topP = (float) config.topP();
        this.topK = config.topK();
        this.winSize = config.winSize();
        this.repetitionThreshold = config.winSize() * config.tauR(); // 10 * 0.1 = 1.0
        this.random = random;
        this.nucleusIds = new int[topK];
        this.nucleusProbs = new float[topK];
    }

    /** A random source deterministic per seed. */
    public static RandomGenerator seeded(long seed) {
        return RandomGeneratorFactory.of(RANDOM_ALGORITHM).create(seed);
    }

    /**
     * Draws the next token.
     *
     * @param scores  log-probs (or any logits) over the speech vocabulary; not modified
     * @param decoded tokens output so far in this utterance (the prompt's tokens are not included)
     * @param count   how many entries of {@code decoded} are valid
     */
    public int sample(float[] scores, int[] decoded, int count) {
        float[] probs = softmax(scores);
        int top = nucleus(probs);
        if (occurrencesInWindow(top, decoded, count) >= repetitionThreshold) {
            float[] rest = scores.clone();
            rest[top] = Float.NEGATIVE_INFINITY;
            top = multinomial(softmax(rest), probs.length);
        }
        return top;
    }

    /** nucleus_sampling on probabilities: one draw from the top-p / top-k set. */
    int nucleus(float[] probs) {
        int n = nucleusSize(probs);
        double total = 0;
        for (int i = 0; i < n; i++) total += nucleusProbs[i];
        double u = random.nextDouble() * total;
        double cum = 0;
        int lastPositive = 0;
        for (int i = 0; i < n; i++) {
            if (nucleusProbs[i] <= 0) continue;
            cum += nucleusProbs[i];
            lastPositive = i;
            if (u < cum) return nucleusIds[i];
        }
        return nucleusIds[lastPositive]; // u rounded up to the total
    }

    /**
     * Fills {@link #nucleusIds}/{@link #nucleusProbs} with the nucleus, best first, and returns its
     * size. Only the best {@code top_k} can ever be taken, so a stable partial selection stands in
     * for the official full stable sort.
     */
    int nucleusSize(float[] probs) {
        int kept = 0;
        for (int id = 0; id < probs.length; id++) {
            float p = probs[id];
            // an equal probability at a later index ranks after the earlier one (stable sort)
            if (kept == topK && !(p > nucleusProbs[topK - 1])) continue;
            int pos = kept == topK ? topK - 1 : kept++;
            while (pos > 0 && p > nucleusProbs[pos - 1]) {
                nucleusProbs[pos] = nucleusProbs[pos - 1];
                nucleusIds[pos] = nucleusIds[pos - 1];
                pos--;
            }
            nucleusProbs[pos] = p;
            nucleusIds[pos] = id;
        }
        // take while cum_prob < top_p and len < top_k; cum_prob is a float32 tensor in the original
        float cum = 0f;
        int n = 0;
        while (n < kept && cum < topP) {
            cum += nucleusProbs[n];
            n++;
        }
        if (n == 0 || nucleusProbs[0] <= 0) throw new IllegalStateException("no token has a positive probability");
        return n;
    }

    /** Token ids of the last nucleus, best first (for tests). */
    int[] lastNucleus(int size) {
        return java.util.Arrays.copyOf(nucleusIds, size);
    }

    private int occurrencesInWindow(int token, int[] decoded, int count) {
        int n = 0;
        for (int i = Math.max(0, count - winSize); i < count; i++) if (decoded[i] == token) n++;
        return n;
    }

    /** random_sampling: one draw from the whole distribution. */
    private int multinomial(float[] probs, int size) {
        double total = 0;
        int lastPositive = -1;
        for (int i = 0; i < size; i++) {
            total += probs[i];
            if (probs[i] > 0) lastPositive = i;
        }
        if (lastPositive < 0) throw new IllegalStateException("no token left to resample: every score is -inf");
        double u = random.nextDouble() * total;
        double cum = 0;
        for (int i = 0; i < size; i++) {
            if (probs[i] <= 0) continue; // a zero-probability token is never drawn
            cum += probs[i];
            if (u < cum) return i;
        }
        return lastPositive;
    }

    /** softmax in float32 like torch's (max subtracted); -inf scores get probability 0. */
    static float[] softmax(float[] scores) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < scores.length; i++) {
            if (Float.isNaN(scores[i])) throw new IllegalArgumentException("cannot sample: score of token " + i + " is NaN");
            if (scores[i] > max) max = scores[i];
        }
        if (max == Float.NEGATIVE_INFINITY) throw new IllegalArgumentException("cannot sample: every score is -inf");
        float[] p = new float[scores.length];
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            p[i] = (float) Math.exp(scores[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) p[i] = (float) (p[i] / sum);
        return p;
    }
}
