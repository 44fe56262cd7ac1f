package org.voicestudio.app.cli.parity;

import org.voicestudio.engines.djl.flow.DjlFlowModel;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.ConditionalFlowMatching;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowEstimator;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.loading.ModelFolder;

import java.util.Arrays;
import java.util.List;

/**
 * {@code flow_*}: the non-streaming flow call with every intermediate (conditioning, each Euler
 * step, the estimator's raw outputs, the final state and the mel), the two single estimator calls
 * on their recorded inputs (full attention and the streaming block-causal mask), and the first
 * streaming chunk's mel. Runs the DJL flow with the fixture's {@code flow_rand_noise}.
 */
public final class FlowParity implements ParityGroup {
    /** fp32 CPU flow tensors: 1e-5 expected (golden README), 1e-4 the gate. */
    static final Tolerance FLOW = Tolerance.absolute(1e-4);
    /** The time grid is computed, not learned: float32 rounding only. */
    static final Tolerance TIME = Tolerance.absolute(1e-7);

    @Override public String name() { return "flow (djl)"; }

    @Override public List<String> prefixes() { return List.of("flow_"); }

    @Override
    public void run(ModelFolder model, GoldenFixture g) {
        FlowConfig cfg = model.config().flow();
        int mel = cfg.outputSize();
        FlowNoise noise = FlowNoise.of(g.tensor("flow_rand_noise"), "golden flow_rand_noise");
        int[] prompt = g.ints("flow_prompt_token");
        int[] tokens = g.ints("flow_token");
        Mel promptFeat = g.timeMajorMel("flow_prompt_feat");
        float[] embedding = g.floats("flow_embedding");

        try (DjlFlowModel flow = new DjlFlowModel(model, noise)) {
            // non-streaming, finalize: conditioning, solver trace, mel
            FlowRequest ns = new FlowRequest(tokens, prompt, promptFeat, embedding, false, true);
            FlowConditioning c = flow.condition(ns);
            int frames = c.layout().frames();
            int all = prompt.length + tokens.length;
            g.compare("flow_ns_spks", c.spks(), FLOW, 1, mel);
            g.compare("flow_ns_token_emb", c.tokenEmbedding(), FLOW, 1, all, mel);
            g.compare("flow_ns_h", c.h(), FLOW, 1, c.layout().encodedTokens(), mel);
            g.compare("flow_ns_mu", c.mu(), FLOW, 1, mel, frames);
            g.compare("flow_ns_cond", c.cond(), FLOW, 1, mel, frames);
            g.compare("flow_ns_mask", c.mask(), FLOW, 1, 1, frames);

            int plane = mel * frames;
            int steps = cfg.nTimesteps();
            float[] t = new float[steps];
            float[] xs = new float[steps * plane];
            float[] outs = new float[steps * 2 * plane];
            FirstCall recorder = new FirstCall(flow.estimator());
            ConditionalFlowMatching solver = new ConditionalFlowMatching(recorder, mel, steps, cfg.inferenceCfgRate(), cfg.tScheduler());
            float[] xFinal = solver.solve(frames, noise.frames(frames), c.mu(), c.mask(), c.spks(), c.cond(), false, (k, tk, x, out) -> {
                t[k] = tk;
                System.arraycopy(x, 0, xs, k * plane, plane);
                System.arraycopy(out, 0, outs, k * 2 * plane, 2 * plane);
            });
            g.compare("flow_ns_t", t, TIME, steps);
            g.compare("flow_ns_x_steps", xs, FLOW, steps, mel, frames);
            g.compare("flow_ns_est_out_steps", outs, FLOW, steps, 2, mel, frames);
            g.compare("flow_ns_x_final", xFinal, FLOW, 1, mel, frames);
            g.compare("flow_ns_mel", flow.inference(ns), FLOW);
            estimatorInputs(g, "flow_est_", recorder.input);

            // single estimator calls on their recorded inputs
            estimatorCall(flow.estimator(), g, "flow_est_", false);
            estimatorCall(flow.estimator(), g, "flow_st1_est_", true);

            // first streaming chunk: its mel has 2 * (n - lookahead) frames
            if (g.has("flow_st1_mel")) {
                int n = (int) g.tensor("flow_st1_mel").dim(2) / cfg.tokenMelRatio() + cfg.preLookaheadLen();
                FlowRequest st1 = new FlowRequest(Arrays.copyOf(tokens, n), prompt, promptFeat, embedding, true, false);
                g.compare("flow_st1_mel", flow.inference(st1), FLOW);
                FlowConditioning c1 = flow.condition(st1);
                FirstCall first = new FirstCall(flow.estimator());
                new ConditionalFlowMatching(first, mel, steps, cfg.inferenceCfgRate(), cfg.tScheduler())
                        .solve(c1.layout().frames(), noise.frames(c1.layout().frames()), c1.mu(), c1.mask(), c1.spks(), c1.cond(), true,
                                ConditionalFlowMatching.StepObserver.NONE);
                estimatorInputs(g, "flow_st1_est_", first.input);
            }
        }
    }

    /** The estimator, remembering the input of its first call (Euler step 0, as the fixture records it). */
    private static final class FirstCall implements FlowEstimator {
        private final FlowEstimator inner;
        FlowEstimator.Input input;

        FirstCall(FlowEstimator inner) { this.inner = inner; }

        @Override
        public float[] velocity(Input in) {
            if (input == null) input = in;
            return inner.velocity(in);
        }
    }

    /** The CFG batch the solver assembled for step 0 against the recorded one. */
    private static void estimatorInputs(GoldenFixture g, String prefix, FlowEstimator.Input in) {
        int b = FlowEstimator.Input.BATCH, mel = in.melChannels(), t = in.frames();
        g.compare(prefix + "x", in.x(), FLOW, b, mel, t);
        g.compare(prefix + "mask", in.mask(), FLOW, b, 1, t);
        g.compare(prefix + "mu", in.mu(), FLOW, b, mel, t);
        g.compare(prefix + "t", in.t(), TIME, b);
        g.compare(prefix + "spks", in.spks(), FLOW, b, mel);
        g.compare(prefix + "cond", in.cond(), FLOW, b, mel, t);
    }

    private static void estimatorCall(FlowEstimator estimator, GoldenFixture g, String prefix, boolean streaming) {
        if (!g.has(prefix + "x", prefix + "mask", prefix + "mu", prefix + "t", prefix + "spks", prefix + "cond", prefix + "out")) return;
        var x = g.tensor(prefix + "x");                                       // (2, mel, T)
        int mel = (int) x.dim(1), frames = (int) x.dim(2);
        float[] out = estimator.velocity(new FlowEstimator.Input(mel, frames, x.toFloats(), g.floats(prefix + "mask"), g.floats(prefix + "mu"),
                g.floats(prefix + "t"), g.floats(prefix + "spks"), g.floats(prefix + "cond"), streaming));
        g.compare(prefix + "out", out, FLOW, 2, mel, frames);
    }
}
