package org.voicestudio.engines.cuda.llm;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.engines.cuda.Launch;
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;
import org.voicestudio.inference.llm.StopTokens;
import org.voicestudio.inference.llm.TokenBudget;

/**
 * The device side of on-GPU RAS sampling for one utterance ({@code ras_sample} of
 * {@code sampling.cu}): the generation state {@code gen[8]}, the accepted token list, and one launch
 * that reads the log-probs, samples exactly as {@code RasSampler} + {@code StopTokens} +
 * {@code TokenBudget} do, appends the id and writes it where the next decode step embeds it.
 * Uniforms come from Philox4x32-10 under {@code seed} ({@link PhiloxRandom} draws the same on the
 * host), or from an injected list (parity tests).
 */
final class GpuSampler implements AutoCloseable {
    static final String SOURCE = "sampling.cu";
    static final int THREADS = 1024;
    static final int MAX_VOCAB = 8192;   // SAMPLE_THREADS * SAMPLE_ITEMS in sampling.cu
    static final int MAX_TOP_K = 64;

    // gen[] fields (sampling.cu)
    static final int COUNT = 0, STEP = 1, DONE = 2, UNIFORMS = 3, LAST = 4, GEN_INTS = 8;
    static final int RUNNING = 0, STOPPED = 1, MAX_REACHED = 2, BAD_SCORES = 3, LIST_FULL = 4, UNIFORMS_EXHAUSTED = 5;

    final DeviceBuffer gen;       // int[8]
    final DeviceBuffer tokens;    // int[capacity]: accepted tokens of this utterance
    private final DeviceBuffer injected;   // double[] or null
    final int capacity;
    final Launch launch;

    /**
     * @param logp      the log-probs the step reads, {@code vocab} floats
     * @param nextToken where the sampled id goes for the next decode step's embedding
     * @param uniforms  the uniforms to use instead of Philox (tests), or null
     */
    GpuSampler(CudaContext ctx, Ptr logp, int vocab, Ptr nextToken, SamplingConfig sampling, StopTokens stops,
               TokenBudget budget, long seed, double[] uniforms) {
        if (vocab > MAX_VOCAB) throw new IllegalArgumentException("on-GPU sampling supports up to " + MAX_VOCAB + " speech ids, the head has " + vocab);
        if (sampling.topK() < 1 || sampling.topK() > MAX_TOP_K) {
            throw new IllegalArgumentException("on-GPU sampling needs 1 <= top_k <= " + MAX_TOP_K + ", got " + sampling.topK());
        }
        if (!(sampling.topP() > 0 && sampling.topP() <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + sampling.topP());
        if (sampling.winSize() < 0) throw new IllegalArgumentException("win_size must not be negative, got " + sampling.winSize());
        if (stops.end() > vocab) throw new IllegalArgumentException("stop ids reach " + (stops.end() - 1) + " but the head scores " + vocab + " ids");
        if (uniforms != null && uniforms.length == 0) throw new IllegalArgumentException("injected uniforms are empty");
        int minRepeats = minRepeats(sampling);
        int minTokens = stopMaskedBelow(budget);
        this.capacity = budget.maxTokens();
        Kernel kernel = ctx.kernels().kernel(SOURCE, "ras_sample");
        gen = ctx.allocate(GEN_INTS * 4L);
        DeviceBuffer t = null, inj = null;
        try {
            t = ctx.allocate(capacity * 4L);
            if (uniforms != null) {
                inj = ctx.allocate(uniforms.length * 8L);
                long[] bits = new long[uniforms.length];
                for (int i = 0; i < bits.length; i++) bits[i] = Double.doubleToRawLongBits(uniforms[i]);
                int[] words = new int[2 * bits.length];   // little-endian doubles
                for (int i = 0; i < bits.length; i++) {
                    words[2 * i] = (int) bits[i];
                    words[2 * i + 1] = (int) (bits[i] >>> 32);
                }
                inj.upload(words, 0);
            }
            gen.upload(new int[GEN_INTS], 0);
        } catch (RuntimeException | Error e) {
            gen.close();
            if (t != null) t.close();
            if (inj != null) inj.close();
            throw e;
        }
        tokens = t;
        injected = inj;
        launch = kernel.launch(Dim.of(1), Dim.of(THREADS), 0,
                logp, vocab, gen, tokens, capacity, nextToken,
                injected != null ? Ptr.of(injected, 0) : new Ptr(0), uniforms != null ? uniforms.length : 0, seed,
                sampling.topK(), (float) sampling.topP(), sampling.winSize(), minRepeats,
                stops.first(), stops.end(), minTokens, budget.maxTokens()).labelled("ras_sample");
    }

    /**
     * The kernel's integer form of RasSampler's repetition test {@code occurrences >= win_size * tau_r}
     * (an int against a double): {@code occurrences >= ceil(win_size * tau_r)}.
     */
    static int minRepeats(SamplingConfig sampling) {
        double threshold = sampling.winSize() * sampling.tauR();
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, Math.ceil(threshold)));
    }

    /** Steps {@code 0 .. n-1} have their stop ids masked ({@link TokenBudget#masksStopIds}): n. */
    static int stopMaskedBelow(TokenBudget budget) {
        return switch (budget) {
            case TokenBudget.UntilStop u -> u.minTokens();
            case TokenBudget.Fixed f -> Integer.MAX_VALUE;   // every step
        };
    }

    /** What a failed state means, for the exception the host throws. */
    static String describe(int done) {
        return switch (done) {
            case BAD_SCORES -> "a log-prob is NaN or every candidate score is -inf";
            case LIST_FULL -> "the device token list is full";
            case UNIFORMS_EXHAUSTED -> "the injected uniforms ran out";
            default -> "state " + done;
        };
    }

    @Override
    public void close() {
        gen.close();
        tokens.close();
        if (injected != null) injected.close();
    }
}
