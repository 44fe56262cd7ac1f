package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.vocoder.Vocoder;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The official {@code CosyVoice3Model.token2wav} for one request (reference §6.2): the flow
 * recomputes prompt + all tokens so far, the part from {@code token_offset * token_mel_ratio} on is
 * appended to ALL mel emitted so far, the vocoder recomputes the whole utterance on that mel (it is
 * causal and its noise is fixed, so earlier samples come out the same), and only the samples past
 * {@code speech_offset} are new. Holds per-request state only (the official per-uuid
 * {@code hift_cache_dict} entry); one instance per request. {@link #flow} and {@link #vocode} may run
 * on two threads (the flow half is stateless apart from its own end flag).
 */
public final class Token2Wav {
    private final FlowModel flow;
    private final Vocoder vocoder;
    private final VoicePrompt voice;
    private final int tokenMelRatio;
    private final LongSupplier clock;

    private Mel emittedMel;     // hift_cache_dict[uuid]['mel']: all mel handed to the vocoder so far
    private int speechOffset;   // hift_cache_dict[uuid]['speech_offset']: samples already emitted
    private boolean finished;   // the vocoder half ran the final call
    private boolean flowedLast; // the flow half ran the final call

    /**
     * @param tokenMelRatio {@code token_mel_ratio}: 2 mel frames per speech token
     * @param clock         nanosecond clock for the stage timings ({@code System::nanoTime})
     */
    public Token2Wav(FlowModel flow, Vocoder vocoder, VoicePrompt voice, int tokenMelRatio, LongSupplier clock) {
        if (tokenMelRatio <= 0) throw new IllegalArgumentException("token_mel_ratio must be positive, got " + tokenMelRatio);
        this.flow = flow;
        this.vocoder = vocoder;
        this.voice = voice;
        this.tokenMelRatio = tokenMelRatio;
        this.clock = clock;
    }

    /**
     * What one call computed, every intermediate of the official function (golden
     * {@code e2e_st<k>_*}), and when each stage ran.
     *
     * @param flowMel      the flow's target mel for all {@code tokens} ({@code e2e_st<k>_flow_mel})
     * @param keptMel      {@code flowMel[:, :, token_offset * 2:]} ({@code _flow_mel_slice})
     * @param vocoderInput all mel emitted so far including {@code keptMel}, speed-changed if asked
     *                     ({@code _hift_in})
     * @param vocoderOutput the vocoder's waveform for {@code vocoderInput} ({@code _hift_out})
     * @param speech       the new samples, {@code vocoderOutput[speech_offset:]} ({@code _wave})
     */
    public record Step(Token2WavCall call, Mel flowMel, Mel keptMel, Mel vocoderInput, float[] vocoderOutput, float[] speech,
                       long flowStartNanos, long flowEndNanos, long vocoderStartNanos, long vocoderEndNanos) {}

    /**
     * The flow half of one call: the flow's mel for {@code call}, and when it ran.
     *
     * @param flowMel the flow's target mel for all {@code call.tokens()} tokens ({@code e2e_st<k>_flow_mel})
     */
    public record Flowed(Token2WavCall call, Mel flowMel, long flowStartNanos, long flowEndNanos) {}

    /**
     * Runs {@code call} on {@code tokens} (the utterance's speech tokens; at least
     * {@code call.tokens()} of them): {@link #flow} then {@link #vocode}.
     *
     * @param speed playback speed; anything but 1 stretches the mel linearly before the vocoder
     *              and, as upstream asserts, is allowed only for one-shot (non-streaming) synthesis
     */
    public Step run(int[] tokens, Token2WavCall call, double speed) {
        if (finished) throw new IllegalStateException("token2wav already ran its final call for this request");
        checkSpeed(call, speed);
        return vocode(flow(tokens, call), speed);
    }

    /**
     * The flow half of {@link #run}. Keeps no state that {@link #vocode} touches, so a pipeline may
     * run the flow of the next call on one thread while another vocodes this one; calls of each
     * half must come in order, and each half from one thread at a time.
     */
    public Flowed flow(int[] tokens, Token2WavCall call) {
        if (flowedLast) throw new IllegalStateException("token2wav's flow already ran the final call for this request");
        if (tokens.length < call.tokens()) {
            throw new IllegalArgumentException("call needs " + call.tokens() + " tokens, only " + tokens.length + " given");
        }
        long flowStart = clock.getAsLong();
        Mel flowMel = flow.inference(new FlowRequest(Arrays.copyOf(tokens, call.tokens()), voice.promptSpeechTokens(),
                voice.promptMel(), voice.embedding(), call.streaming(), call.last()));
        long flowEnd = clock.getAsLong();
        flowedLast = call.last();
        return new Flowed(call, flowMel, flowStart, flowEnd);
    }

    /** The vocoder half of {@link #run}: appends the new mel to all emitted so far and keeps the new samples. */
    public Step vocode(Flowed flowed, double speed) {
        if (finished) throw new IllegalStateException("token2wav already ran its final call for this request");
        Token2WavCall call = flowed.call();
        checkSpeed(call, speed);
        Mel flowMel = flowed.flowMel();
        int keepFrom = call.tokenOffset() * tokenMelRatio;
        if (keepFrom > flowMel.frames()) {
            throw new IllegalStateException("flow returned " + flowMel.frames() + " frames for " + call
                    + " but " + keepFrom + " were already emitted");
        }
        Mel kept = flowMel.slice(keepFrom, flowMel.frames());
        emittedMel = emittedMel == null ? kept : emittedMel.concat(kept);
        Mel vocoderInput = speed == 1.0 ? emittedMel : SpeedChange.stretch(emittedMel, speed);

        long vocoderStart = clock.getAsLong();
        float[] wave = vocoder.inference(vocoderInput, call.last());
        long vocoderEnd = clock.getAsLong();

        if (wave.length < speechOffset) {
            throw new IllegalStateException("vocoder returned " + wave.length + " samples, fewer than the " + speechOffset + " already emitted");
        }
        float[] speech = Arrays.copyOfRange(wave, speechOffset, wave.length);
        speechOffset = wave.length;
        finished = call.last();
        return new Step(call, flowMel, kept, vocoderInput, wave, speech, flowed.flowStartNanos(), flowed.flowEndNanos(),
                vocoderStart, vocoderEnd);
    }

    private static void checkSpeed(Token2WavCall call, double speed) {
        if (!(speed > 0) || Double.isInfinite(speed)) throw new IllegalArgumentException("speed must be a positive number, got " + speed);
        if (speed != 1.0 && (call.tokenOffset() != 0 || !call.last())) {
            throw new IllegalArgumentException("speed change only works for non-streaming synthesis (token offset 0, final call)");
        }
    }

    /** Samples emitted so far. */
    public int speechOffset() { return speechOffset; }
}
