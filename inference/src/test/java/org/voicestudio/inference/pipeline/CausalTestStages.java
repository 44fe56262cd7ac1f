package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.vocoder.Vocoder;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Small causal stand-ins for flow and vocoder that keep the stage contracts' shapes (2 frames per
 * token, {@code pre_lookahead_len} right-context tokens on non-final calls, an 8-frame vocoder
 * hold-back) and compute every output value from the inputs before it, so what earlier calls
 * produced is reproduced by later, longer calls, as with the real causal models. They let the
 * orchestration tests check offsets and accumulation without loading a model; the numeric
 * parity of the real stages is checked against the golden fixtures in the engine tests.
 */
final class CausalTestStages {
    static final int CHANNELS = 80;
    static final int PRE_LOOKAHEAD_LEN = 3;
    static final int SAMPLES_PER_FRAME = 4;
    static final int VOCODER_HOLD_BACK = 8;

    private CausalTestStages() {}

    /** Frame 2i+r, channel c is a function of tokens[0..i]. */
    static final class Flow implements FlowModel {
        final List<FlowRequest> requests = new CopyOnWriteArrayList<>();

        @Override
        public Mel inference(FlowRequest r) {
            requests.add(r);
            int kept = r.last() ? r.tokens().length : r.tokens().length - PRE_LOOKAHEAD_LEN;
            int frames = 2 * kept;
            float[] data = new float[CHANNELS * frames];
            long prefix = 0;
            for (int i = 0; i < kept; i++) {
                prefix = prefix * 31 + r.tokens()[i];
                for (int c = 0; c < CHANNELS; c++) {
                    for (int k = 0; k < 2; k++) data[c * frames + 2 * i + k] = Math.floorMod(prefix + 7L * c + k, 1000) / 100f;
                }
            }
            return new Mel(CHANNELS, frames, data);
        }

        @Override public void close() {}
    }

    /** Samples of frame f are a function of frames [0, f]. */
    static final class Vocoder implements org.voicestudio.inference.vocoder.Vocoder {
        final List<Integer> inputFrames = new CopyOnWriteArrayList<>();

        @Override
        public float[] inference(Mel mel, boolean finalize) {
            inputFrames.add(mel.frames());
            int frames = finalize ? mel.frames() : Math.max(0, mel.frames() - VOCODER_HOLD_BACK);
            float[] out = new float[frames * SAMPLES_PER_FRAME];
            float running = 0;
            for (int f = 0; f < frames; f++) {
                running = 0.5f * running + mel.get(0, f) - mel.get(CHANNELS - 1, f);
                for (int s = 0; s < SAMPLES_PER_FRAME; s++) out[f * SAMPLES_PER_FRAME + s] = running * (s + 1) / 64f;
            }
            return out;
        }

        @Override public void close() {}
    }

    static VoicePrompt voice(int promptTokens) {
        int[] tokens = new int[promptTokens];
        for (int i = 0; i < promptTokens; i++) tokens[i] = (i * 577) % 6561;
        return new VoicePrompt(new int[] {1, 2, 3}, tokens, new Mel(CHANNELS, 2 * promptTokens, new float[CHANNELS * 2 * promptTokens]),
                new float[192]);
    }
}
