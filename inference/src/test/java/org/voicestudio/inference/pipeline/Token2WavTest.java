package org.voicestudio.inference.pipeline;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.testing.Golden;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class Token2WavTest {
    private static final int TOKEN_MEL_RATIO = 2;

    private static int[] goldenTokens() { return Golden.tensor("flow_token").toInts(); }

    private static int goldenPromptTokens() { return (int) Golden.tensor("flow_prompt_token").dim(1); }

    @Test
    void streamingChunksConcatenateToTheNonStreamingWaveform() {
        int[] tokens = goldenTokens();
        VoicePrompt voice = CausalTestStages.voice(goldenPromptTokens());
        List<Token2WavCall> plan = StreamSchedule.forPrompt(voice.promptSpeechTokens().length, 25, CausalTestStages.PRE_LOOKAHEAD_LEN)
                .plan(tokens.length);

        Token2Wav streaming = new Token2Wav(new CausalTestStages.Flow(), new CausalTestStages.Vocoder(), voice, TOKEN_MEL_RATIO, System::nanoTime);
        List<float[]> chunks = new ArrayList<>();
        for (Token2WavCall call : plan) chunks.add(streaming.run(tokens, call, 1.0).speech());

        Token2Wav oneShot = new Token2Wav(new CausalTestStages.Flow(), new CausalTestStages.Vocoder(), voice, TOKEN_MEL_RATIO, System::nanoTime);
        float[] whole = oneShot.run(tokens, StreamSchedule.nonStreaming(tokens.length), 1.0).speech();

        int at = 0;
        for (float[] c : chunks) {
            for (float v : c) assertEquals(whole[at++], v, 0f, "sample " + (at - 1));
        }
        assertEquals(whole.length, at, "streamed sample count");
        assertEquals(whole.length, streaming.speechOffset());
    }

    @Test
    void keptMelAndVocoderInputHaveTheOfficialShapes() {
        int[] tokens = goldenTokens();
        VoicePrompt voice = CausalTestStages.voice(goldenPromptTokens());
        var vocoder = new CausalTestStages.Vocoder();
        Token2Wav t2w = new Token2Wav(new CausalTestStages.Flow(), vocoder, voice, TOKEN_MEL_RATIO, System::nanoTime);
        List<Token2WavCall> plan = StreamSchedule.forPrompt(voice.promptSpeechTokens().length, 25, CausalTestStages.PRE_LOOKAHEAD_LEN)
                .plan(tokens.length);
        for (int k = 0; k < plan.size(); k++) {
            String prefix = "e2e_st" + (k + 1) + "_";
            Token2Wav.Step step = t2w.run(tokens, plan.get(k), 1.0);
            assertEquals(Golden.tensor(prefix + "flow_mel").dim(2), step.flowMel().frames(), prefix + "flow_mel frames");
            assertEquals(Golden.tensor(prefix + "flow_mel_slice").dim(2), step.keptMel().frames(), prefix + "flow_mel_slice frames");
            assertEquals(Golden.tensor(prefix + "hift_in").dim(2), step.vocoderInput().frames(), prefix + "hift_in frames");
        }
        // the kept part is the tail of the flow mel, the vocoder input its accumulation
        assertEquals(List.of(76, 100), vocoder.inputFrames);
    }

    @Test
    void speedStretchesTheMelOnlyInOneShotSynthesis() {
        int[] tokens = goldenTokens();
        VoicePrompt voice = CausalTestStages.voice(goldenPromptTokens());
        var vocoder = new CausalTestStages.Vocoder();
        Token2Wav t2w = new Token2Wav(new CausalTestStages.Flow(), vocoder, voice, TOKEN_MEL_RATIO, System::nanoTime);
        Token2Wav.Step step = t2w.run(tokens, StreamSchedule.nonStreaming(tokens.length), 2.0);
        assertEquals(50, step.vocoderInput().frames());   // int(100 / 2.0)
        assertEquals(50 * CausalTestStages.SAMPLES_PER_FRAME, step.speech().length);

        Token2Wav streaming = new Token2Wav(new CausalTestStages.Flow(), vocoder, voice, TOKEN_MEL_RATIO, System::nanoTime);
        assertThrows(IllegalArgumentException.class, () -> streaming.run(tokens, new Token2WavCall(41, 0, true, false), 1.5));
    }

    @Test
    void nothingRunsAfterTheFinalCall() {
        int[] tokens = goldenTokens();
        Token2Wav t2w = new Token2Wav(new CausalTestStages.Flow(), new CausalTestStages.Vocoder(), CausalTestStages.voice(12),
                TOKEN_MEL_RATIO, System::nanoTime);
        t2w.run(tokens, StreamSchedule.nonStreaming(tokens.length), 1.0);
        assertThrows(IllegalStateException.class, () -> t2w.run(tokens, StreamSchedule.nonStreaming(tokens.length), 1.0));
        assertThrows(IllegalArgumentException.class, () -> new Token2Wav(new CausalTestStages.Flow(), new CausalTestStages.Vocoder(),
                CausalTestStages.voice(12), TOKEN_MEL_RATIO, System::nanoTime).run(new int[10], new Token2WavCall(41, 0, true, false), 1.0));
    }
}
