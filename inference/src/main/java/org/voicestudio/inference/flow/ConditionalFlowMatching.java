package org.voicestudio.inference.flow;

import org.voicestudio.inference.audio.Mel;

/**
 * The Euler solver of {@code CausalConditionalCFM} (reference §4.1): {@code n_timesteps} steps on the cosine
 * time grid, each one estimator call on a classifier-free-guidance batch of 2 (row 0 conditional, row 1 with
 * mu, spks and cond zeroed; x, mask and t shared), {@code v = (1 + cfg) * v_cond - cfg * v_uncond},
 * {@code x += dt * v}. All arithmetic is float32 in the official order, so the states reproduce the
 * reference bit for bit given the same estimator outputs.
 */
public final class ConditionalFlowMatching {

    /** Sees each Euler step: the state entering it, its time and the raw estimator output (2, mel, T). */
    @FunctionalInterface
    public interface StepObserver {
        StepObserver NONE = (step, t, x, estimatorOut) -> {};

        void onStep(int step, float t, float[] x, float[] estimatorOut);
    }

    private final FlowEstimator estimator;
    private final int melChannels;
    private final float[] timeSpan;
    private final float condWeight;    // (1.0 + inference_cfg_rate) as the float32 scalar PyTorch uses
    private final float uncondWeight;  // inference_cfg_rate

    /**
     * @param nTimesteps       Euler steps (10, fixed in {@code flow.py})
     * @param inferenceCfgRate cfm_params.inference_cfg_rate (0.7)
     * @param tScheduler       cfm_params.t_scheduler ("cosine"; anything else keeps the linear grid, as the official code)
     */
    public ConditionalFlowMatching(FlowEstimator estimator, int melChannels, int nTimesteps, double inferenceCfgRate, String tScheduler) {
        if (nTimesteps < 1) throw new IllegalArgumentException("n_timesteps must be at least 1, got " + nTimesteps);
        this.estimator = estimator;
        this.melChannels = melChannels;
        this.timeSpan = timeSpan(nTimesteps, "cosine".equals(tScheduler));
        this.condWeight = (float) (1.0 + inferenceCfgRate);
        this.uncondWeight = (float) inferenceCfgRate;
    }

    public int steps() { return timeSpan.length - 1; }

    /**
     * {@code t_span = linspace(0, 1, n + 1)} in float32 (PyTorch's CPU linspace: the first half counted from 0,
     * the second half back from 1), then with the cosine scheduler {@code 1 - cos(t_span * 0.5 * pi)}. The
     * cosine is evaluated in double and rounded, which equals the reference values (golden {@code flow_ns_t}).
     */
    public static float[] timeSpan(int n, boolean cosine) {
        int steps = n + 1;
        float step = 1f / (float) n;
        int halfway = steps / 2;
        float[] span = new float[steps];
        for (int i = 0; i < steps; i++) {
            float lin = i < halfway ? 0f + step * i : 1f - step * (steps - i - 1);
            span[i] = cosine ? 1f - (float) Math.cos((lin * 0.5f) * (float) Math.PI) : lin;
        }
        return span;
    }

    /**
     * {@code solve_euler} for one utterance (batch 1).
     *
     * @param noise (mel, T) starting sample (the fixed noise times temperature 1)
     * @param mu    (mel, T)
     * @param mask  (T)
     * @param spks  (mel)
     * @param cond  (mel, T)
     * @return the final sample (mel, T), prompt frames included
     */
    /**
     * The flow after its conditioning: start from the fixed noise {@code rand_noise[:, :, :T]}
     * (temperature 1), solve, and keep the target frames {@code feat[:, :, 2P:]}.
     */
    public Mel generate(FlowConditioning c, FlowNoise noise, boolean streaming, StepObserver observer) {
        int frames = c.layout().frames();
        float[] x = solve(frames, noise.frames(frames), c.mu(), c.mask(), c.spks(), c.cond(), streaming, observer);
        return c.target(x, melChannels);
    }

    public float[] solve(int frames, float[] noise, float[] mu, float[] mask, float[] spks, float[] cond, boolean streaming,
                         StepObserver observer) {
        int plane = melChannels * frames;
        requireLength("noise", noise, plane);
        requireLength("mu", mu, plane);
        requireLength("mask", mask, frames);
        requireLength("spks", spks, melChannels);
        requireLength("cond", cond, plane);

        // The CFG batch: row 1 keeps mu, spks and cond at zero (solve_euler allocates zeros and fills row 0).
        float[] muIn = new float[2 * plane];
        float[] spksIn = new float[2 * melChannels];
        float[] condIn = new float[2 * plane];
        float[] maskIn = new float[2 * frames];
        System.arraycopy(mu, 0, muIn, 0, plane);
        System.arraycopy(spks, 0, spksIn, 0, melChannels);
        System.arraycopy(cond, 0, condIn, 0, plane);
        System.arraycopy(mask, 0, maskIn, 0, frames);
        System.arraycopy(mask, 0, maskIn, frames, frames);

        float[] x = noise.clone();
        float t = timeSpan[0];
        float dt = timeSpan[1] - timeSpan[0];
        for (int step = 1; step < timeSpan.length; step++) {
            float[] xIn = new float[2 * plane];
            System.arraycopy(x, 0, xIn, 0, plane);
            System.arraycopy(x, 0, xIn, plane, plane);
            float[] out = estimator.velocity(new FlowEstimator.Input(melChannels, frames, xIn, maskIn, muIn,
                    new float[] {t, t}, spksIn, condIn, streaming));
            if (out.length != 2 * plane) {
                throw new IllegalStateException("estimator returned " + out.length + " values, expected 2 x " + melChannels + " x " + frames);
            }
            observer.onStep(step - 1, t, x.clone(), out);
            for (int i = 0; i < plane; i++) {
                float v = condWeight * out[i] - uncondWeight * out[plane + i];
                x[i] = x[i] + dt * v;
            }
            t = t + dt;
            if (step < timeSpan.length - 1) dt = timeSpan[step + 1] - t;
        }
        return x;
    }

    private static void requireLength(String name, float[] a, int expected) {
        if (a.length != expected) throw new IllegalArgumentException("solver input '" + name + "' needs " + expected + " values, got " + a.length);
    }
}
