package org.voicestudio.voices;

import org.voicestudio.inference.audio.KaldiFbank;
import org.voicestudio.inference.audio.MatchaMelSpectrogram;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.audio.Resampler;
import org.voicestudio.inference.audio.WhisperLogMel;
import org.voicestudio.inference.config.ModelConfig.MelConfig;
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
 * fbank) and to the flow's rate (the Matcha prompt mel); tokens and mel are aligned 2:1; the
 * prompt text is the zero-shot prefix + transcript, tokenized without normalization (as the
 * official code stores it). Thread-safe if its parts are.
 */
public final class VoiceCreator {
    private static final int TOKENIZER_RATE = WhisperLogMel.SAMPLE_RATE;
    private static final int FBANK_BINS = SpeakerEncoder.FBANK_BINS;

    private final MelConfig featExtractor;
    private final MatchaMelSpectrogram flowMel;
    private final WhisperLogMel whisper = new WhisperLogMel(SpeechTokenizer.MEL_BINS);
    private final KaldiFbank fbank = new KaldiFbank(TOKENIZER_RATE, FBANK_BINS);
    private final SpeakerEncoder speakerEncoder;
    private final SpeechTokenizer speechTokenizer;
    private final Function<String, int[]> textTokenizer;
    private final RecordingCheck check;

    /**
     * The parts are owned by the caller.
     *
     * @param featExtractor the model's {@code feat_extractor} (the flow prompt mel)
     * @param textTokenizer the model's text tokenizer ({@code QwenTokenizer::encode})
     */
    public VoiceCreator(MelConfig featExtractor, SpeakerEncoder speakerEncoder, SpeechTokenizer speechTokenizer,
                        Function<String, int[]> textTokenizer, RecordingCheck check) {
        this.featExtractor = featExtractor;
        this.flowMel = new MatchaMelSpectrogram(featExtractor);
        this.speakerEncoder = speakerEncoder;
        this.speechTokenizer = speechTokenizer;
        this.textTokenizer = textTokenizer;
        this.check = check;
    }

    /** A new voice and the warnings about its recording (e.g. clipping). */
    public record Result(VoiceProfile voice, List<String> warnings) {
        public Result { warnings = List.copyOf(warnings); }
    }

    /** A voice from a recording file (WAV, FLAC or MP3), kept with the voice. */
    public Result create(String name, String language, String transcript, Recordings.Loaded recording) throws RecordingCheck.BadRecordingException {
        return create(name, language, transcript, recording.audio().mono(), recording.audio().sampleRate(), Optional.of(recording.source()));
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

        float[] wave16k = resample(mono, sampleRate, TOKENIZER_RATE);
        float[] waveFlow = resample(mono, sampleRate, featExtractor.samplingRate());

        Mel logMel = whisper.forward(wave16k);                                  // (128, T100)
        int[] tokens = speechTokenizer.tokenize(logMel.data(), logMel.frames()); // (≈ T100 / 4)
        float[] fbankFeats = fbank.meanNormalized(wave16k);                     // (T100', 80)
        float[] embedding = speakerEncoder.embed(fbankFeats, fbankFeats.length / FBANK_BINS); // (192)
        Mel mel = flowMel.forward(waveFlow);                                    // (80, T50)
        PromptAlignment aligned = PromptAlignment.align(tokens, mel);
        if (aligned.tokens().length == 0) throw new RecordingCheck.BadRecordingException(what + " gave no speech tokens; is it long enough?");

        int[] promptText = textTokenizer.apply(PromptText.zeroShot(transcript.strip()));
        VoiceProfile voice = new VoiceProfile(name, language, transcript.strip(), promptText, aligned.tokens(), aligned.mel(), embedding, source);
        return new Result(voice, warnings);
    }

    /** {@code load_wav}: resampled only when the rates differ. */
    private static float[] resample(float[] mono, int from, int to) {
        return from == to ? mono : new Resampler(from, to).resample(mono);
    }
}
