package org.voicestudio.voices;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.frontend.PromptAlignment;
import org.voicestudio.inference.frontend.PromptText;
import org.voicestudio.inference.frontend.SpeakerEncoder;
import org.voicestudio.inference.frontend.SpeechTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Makes a voice from a recording and its transcript, as the official {@code add_zero_shot_spk}
 * ({@code frontend_zero_shot}, reference §2.3–2.7): the mono recording is resampled to 16 kHz
 * (speech tokens from its whisper log-mel, speaker embedding from its mean-subtracted Kaldi
 * fbank) and to 24 kHz (the flow prompt mel); tokens and mel are aligned 2:1; the prompt text is
 * the zero-shot prefix + transcript, tokenized without normalization (as the official code stores it).
 */
public final class VoiceCreator {
    public static final int TOKENIZER_RATE = 16_000;
    public static final int FLOW_RATE = 24_000;

    private final PromptFeatures features;
    private final SpeakerEncoder speakerEncoder;
    private final SpeechTokenizer speechTokenizer;
    private final Function<String, int[]> textTokenizer;
    private final RecordingCheck check;

    /**
     * The parts are owned by the caller.
     *
     * @param textTokenizer the model's text tokenizer ({@code QwenTokenizer::encode})
     */
    public VoiceCreator(PromptFeatures features, SpeakerEncoder speakerEncoder, SpeechTokenizer speechTokenizer,
                        Function<String, int[]> textTokenizer, RecordingCheck check) {
        this.features = features;
        this.speakerEncoder = speakerEncoder;
        this.speechTokenizer = speechTokenizer;
        this.textTokenizer = textTokenizer;
        this.check = check;
    }

    /** A new voice and the warnings about its recording (e.g. clipping). */
    public record Result(VoiceProfile voice, List<String> warnings) {
        public Result { warnings = List.copyOf(warnings); }
    }

    /**
     * @param mono       the recording mixed to mono, in [-1, 1]
     * @param sampleRate its sample rate
     * @param source     the original file, kept with the voice
     */
    public Result create(String name, String language, String transcript, float[] mono, int sampleRate,
                         Optional<SourceRecording> source) throws RecordingCheck.BadRecordingException {
        String what = source.map(SourceRecording::fileName).orElse("the recording");
        if (transcript == null || transcript.isBlank()) throw new IllegalArgumentException("a voice needs the transcript of its recording");
        if (transcript.contains("<|")) throw new IllegalArgumentException("the transcript must be plain text, without special tokens: " + transcript);
        List<String> warnings = new ArrayList<>(check.check(what, mono, sampleRate));

        float[] wave16k = sampleRate == TOKENIZER_RATE ? mono : features.resample(mono, sampleRate, TOKENIZER_RATE);
        float[] wave24k = sampleRate == FLOW_RATE ? mono : features.resample(mono, sampleRate, FLOW_RATE);

        PromptFeatures.Matrix logMel = features.whisperLogMel(wave16k);          // (128, T100)
        int[] tokens = speechTokenizer.tokenize(logMel.data(), logMel.cols());    // (≈T100 / 4)
        PromptFeatures.Matrix fbank = meanSubtracted(features.kaldiFbank(wave16k)); // (T100', 80)
        float[] embedding = speakerEncoder.embed(fbank.data(), fbank.rows());      // (192)
        Mel mel = features.flowMel(wave24k);                                      // (80, T50)
        PromptAlignment aligned = PromptAlignment.align(tokens, mel);
        if (aligned.tokens().length == 0) throw new RecordingCheck.BadRecordingException(what + " gave no speech tokens; is it long enough?");

        int[] promptText = textTokenizer.apply(PromptText.zeroShot(transcript.strip()));
        VoiceProfile voice = new VoiceProfile(name, language, transcript.strip(), promptText, aligned.tokens(), aligned.mel(), embedding, source);
        return new Result(voice, warnings);
    }

    /** {@code feat - feat.mean(dim=0)}: the per-utterance mean over time the official frontend removes before CAM++. */
    static PromptFeatures.Matrix meanSubtracted(PromptFeatures.Matrix fbank) {
        int t = fbank.rows(), bins = fbank.cols();
        float[] x = fbank.data();
        float[] out = new float[x.length];
        for (int b = 0; b < bins; b++) {
            double sum = 0;
            for (int i = 0; i < t; i++) sum += x[i * bins + b];
            float mean = (float) (sum / t);
            for (int i = 0; i < t; i++) out[i * bins + b] = x[i * bins + b] - mean;
        }
        return new PromptFeatures.Matrix(t, bins, out);
    }
}
