package org.voicestudio.engines.djl.pipeline;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.engines.djl.flow.DjlFlowModel;
import org.voicestudio.engines.djl.vocoder.DjlVocoder;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.pipeline.StreamSchedule;
import org.voicestudio.inference.pipeline.Token2Wav;
import org.voicestudio.inference.pipeline.Token2WavCall;
import org.voicestudio.inference.pipeline.VoicePrompt;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The official {@code CosyVoice3Model.token2wav} on the DJL flow and vocoder against the golden
 * {@code e2e_*} tensors: one-shot, and the streaming scheduler's calls with every intermediate.
 */
class DjlToken2WavGoldenTest {
    /**
     * Flow then vocoder, relative to the waveform's peak. The flow mel is within ~2e-6 of the
     * reference (fp32 kernel order, libtorch 2.7.1 vs 2.11); the vocoder's F0-to-phase cumulative
     * sum (~1e5 radians) amplifies that ~70x: measured 3e-4 of the peak (1.0e-4 absolute; the
     * golden README reports 4.5e-4 absolute for CUDA fp32). Gate 1e-3.
     */
    static final double WAVE_REL_TOL = 1e-3;
    /** The vocoder alone on the reference's own accumulated mel: measured ~3e-6 of the peak. */
    private static final double VOCODER_REL_TOL = 1e-4;
    /** Flow mel: fp32 CPU expects ~1e-5 absolute (golden README), 1e-4 is the gate. */
    private static final double MEL_ABS_TOL = 1e-4;

    private static ModelFolder folder;
    private static DjlFlowModel flow;
    private static DjlVocoder vocoder;

    @BeforeAll
    static void load() throws Exception {
        folder = ModelFolder.open(Golden.tinyModel());
        flow = new DjlFlowModel(folder, FlowNoise.of(Golden.tensor("flow_rand_noise"), "golden flow_rand_noise"));
        vocoder = new DjlVocoder(folder, VocoderNoise.of(Golden.tensor("hift_sine_noise"), Golden.tensor("hift_rand_ini")));
    }

    @AfterAll
    static void close() {
        if (vocoder != null) vocoder.close();
        if (flow != null) flow.close();
        if (folder != null) folder.close();
    }

    static VoicePrompt goldenVoice() {
        Tensor feat = Golden.tensor("flow_prompt_feat");   // (1, 2P, 80) time-major
        return new VoicePrompt(Golden.tensor("llm_prompt_text").toInts(), Golden.tensor("flow_prompt_token").toInts(),
                Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)), Golden.tensor("flow_embedding").toFloats());
    }

    private static Token2Wav token2wav() {
        return new Token2Wav(flow, vocoder, goldenVoice(), folder.config().tokenMelRatio(), System::nanoTime);
    }

    static void assertRelClose(String name, float[] actual, double relTol) {
        float[] ref = Golden.tensor(name).toFloats();
        assertEquals(ref.length, actual.length, name + " length");
        double peak = 0, err = 0;
        for (int i = 0; i < ref.length; i++) {
            peak = Math.max(peak, Math.abs(ref[i]));
            err = Math.max(err, Math.abs(actual[i] - ref[i]));
        }
        assertTrue(err <= relTol * peak, name + ": max error " + err + " exceeds " + relTol + " x peak " + peak);
    }

    private static Mel mel(String name) {
        Tensor t = Golden.tensor(name);   // (1, 80, T)
        return new Mel((int) t.dim(1), (int) t.dim(2), t.toFloats());
    }

    private static void assertMelClose(String name, Mel actual) {
        Tensor ref = Golden.tensor(name);
        assertEquals(ref.dim(1), actual.channels(), name + " channels");
        assertEquals(ref.dim(2), actual.frames(), name + " frames");
        float[] r = ref.toFloats();
        for (int i = 0; i < r.length; i++) assertEquals(r[i], actual.data()[i], MEL_ABS_TOL, name + " element " + i);
    }

    @Test
    void oneShotToken2WavMatchesTheOfficialWaveform() {
        int[] tokens = Golden.tensor("flow_token").toInts();
        Token2Wav.Step step = token2wav().run(tokens, StreamSchedule.nonStreaming(tokens.length), 1.0);
        assertRelClose("e2e_ns_wave", step.speech(), WAVE_REL_TOL);
    }

    @Test
    void streamingCallsMatchTheOfficialChunks() {
        int[] tokens = Golden.tensor("flow_token").toInts();
        VoicePrompt voice = goldenVoice();
        List<Token2WavCall> plan = StreamSchedule.forPrompt(voice.promptSpeechTokens().length, folder.config().chunkSize(),
                folder.config().flow().preLookaheadLen()).plan(tokens.length);
        long[] trace = Golden.tensor("e2e_st_calls").toLongs();
        assertEquals(trace.length / 4, plan.size(), "calls");

        Token2Wav t2w = token2wav();
        float[] all = new float[0];
        for (int k = 0; k < plan.size(); k++) {
            assertArrayEquals(java.util.Arrays.copyOfRange(trace, 4 * k, 4 * k + 4), plan.get(k).traceRow(), "call " + k);
            String p = "e2e_st" + (k + 1) + "_";
            Token2Wav.Step step = t2w.run(tokens, plan.get(k), 1.0);
            assertMelClose(p + "flow_mel", step.flowMel());
            assertMelClose(p + "flow_mel_slice", step.keptMel());
            assertMelClose(p + "hift_in", step.vocoderInput());
            assertRelClose(p + "hift_out", step.vocoderOutput(), WAVE_REL_TOL);
            // the vocoder call token2wav made, on the reference's own mel: isolates accumulation and hold-back from flow rounding
            assertRelClose(p + "hift_out", vocoder.inference(mel(p + "hift_in"), plan.get(k).last()), VOCODER_REL_TOL);
            assertRelClose(p + "wave", step.speech(), WAVE_REL_TOL);
            float[] grown = java.util.Arrays.copyOf(all, all.length + step.speech().length);
            System.arraycopy(step.speech(), 0, grown, all.length, step.speech().length);
            all = grown;
        }
        assertRelClose("e2e_st_wave", all, WAVE_REL_TOL);
    }
}
