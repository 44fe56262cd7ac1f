package org.voicestudio.app.cli.parity;

import org.voicestudio.engines.djl.flow.DjlFlowModel;
import org.voicestudio.engines.djl.vocoder.DjlVocoder;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.pipeline.StreamSchedule;
import org.voicestudio.inference.pipeline.Token2Wav;
import org.voicestudio.inference.pipeline.Token2WavCall;
import org.voicestudio.inference.pipeline.VoicePrompt;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.util.List;

/**
 * {@code e2e_*}: the official {@code token2wav} non-streaming, and the streaming scheduler's
 * calls (trace, and per call the flow mel, the kept part, the vocoder input and output and the
 * emitted chunk) with all tokens available, on DJL flow and vocoder with the fixture's noise.
 */
public final class Token2WavParity implements ParityGroup {
    /**
     * End to end, 1e-3 of the peak. The flow's mel differs from the reference by ~1.5e-6 (fp32
     * kernel order: libtorch 2.7.1 here, 2.11 for the reference); the vocoder turns F0 into phase
     * by a cumulative sum reaching ~1e5 radians, which amplifies that ~70x: measured 1.0e-4
     * absolute, 3e-4 of the peak (the golden README measured 4.5e-4 absolute for CUDA fp32). On
     * the reference mel itself the vocoder matches to 1e-6 ({@code hift_*}, and {@link #VOCODER}).
     */
    static final Tolerance WAVE = Tolerance.relative(1e-3);
    /** Mel out of the flow: as the flow checks. */
    static final Tolerance MEL = Tolerance.absolute(1e-4);

    @Override public String name() { return "token2wav (djl)"; }

    @Override public List<String> prefixes() { return List.of("e2e_"); }

    @Override
    public void run(ModelFolder model, GoldenFixture g) {
        ModelConfig cfg = model.config();
        int[] tokens = g.ints("flow_token");
        VoicePrompt voice = new VoicePrompt(new int[0], g.ints("flow_prompt_token"), g.timeMajorMel("flow_prompt_feat"), g.floats("flow_embedding"));
        FlowNoise flowNoise = FlowNoise.of(g.tensor("flow_rand_noise"), "golden flow_rand_noise");
        try (DjlFlowModel flow = new DjlFlowModel(model, flowNoise);
             DjlVocoder vocoder = new DjlVocoder(model, VocoderNoise.of(g.tensor("hift_sine_noise"), g.tensor("hift_rand_ini")))) {
            Token2Wav oneShot = new Token2Wav(flow, vocoder, voice, cfg.tokenMelRatio(), System::nanoTime);
            g.compareWave("e2e_ns_wave", oneShot.run(tokens, StreamSchedule.nonStreaming(tokens.length), 1.0).speech(), WAVE);

            List<Token2WavCall> plan = StreamSchedule.forPrompt(voice.promptSpeechTokens().length, cfg.chunkSize(), cfg.flow().preLookaheadLen())
                    .plan(tokens.length);
            long[] trace = new long[4 * plan.size()];
            for (int k = 0; k < plan.size(); k++) System.arraycopy(plan.get(k).traceRow(), 0, trace, 4 * k, 4);
            g.compareExact("e2e_st_calls", trace, plan.size(), 4);

            Token2Wav streaming = new Token2Wav(flow, vocoder, voice, cfg.tokenMelRatio(), System::nanoTime);
            float[] all = new float[0];
            for (int k = 0; k < plan.size(); k++) {
                String p = "e2e_st" + (k + 1) + "_";
                Token2Wav.Step step = streaming.run(tokens, plan.get(k), 1.0);
                g.compare(p + "flow_mel", step.flowMel(), MEL);
                g.compare(p + "flow_mel_slice", step.keptMel(), MEL);
                g.compare(p + "hift_in", step.vocoderInput(), MEL);
                g.compareWave(p + "hift_out", step.vocoderOutput(), WAVE);
                g.compareWave(p + "wave", step.speech(), WAVE);
                float[] grown = java.util.Arrays.copyOf(all, all.length + step.speech().length);
                System.arraycopy(step.speech(), 0, grown, all.length, step.speech().length);
                all = grown;
            }
            g.compareWave("e2e_st_wave", all, WAVE);
        }
    }
}
