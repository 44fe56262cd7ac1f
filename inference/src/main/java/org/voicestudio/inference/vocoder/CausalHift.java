package org.voicestudio.inference.vocoder;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;

/**
 * {@code CausalHiFTGenerator.inference(mel, finalize)} (reference §5) with the engine-independent
 * parts done here: the harmonic source, the source STFT, the iSTFT head, the non-final holdback
 * and the output clamp. An engine supplies the two networks ({@link F0Predictor},
 * {@link HiftDecoder}); this object owns them and the noise.
 *
 * <p>Non-final call on T frames: F0 and source cover T - 3 frames; the decoder runs on mel[:-3]
 * with its last 4 frames as conv_pre context; the source STFT loses its last 480 frames
 * (prod(upsample_rates) * conv_pre_look_right) and the audio its last 480 samples, so
 * (T - 8) * 480 samples come out, and a later call on a longer mel reproduces them.
 */
public final class CausalHift implements Vocoder {
    private final HiftConfig config;
    private final F0Predictor f0Predictor;
    private final HiftDecoder decoder;
    private final HarmonicSource source;
    private final VocoderNoise noise;
    private final Stft16 stft;
    private final InverseStft16 istft;

    /** What one call computed, for tests and diagnostics. */
    public record Trace(double[] f0, float[] source, float[] sourceStft, float[] convPost, int stftFrames, float[] audio) {}

    public CausalHift(HiftConfig config, F0Predictor f0Predictor, HiftDecoder decoder,
                      float[] sourceLinearWeight, float sourceLinearBias, VocoderNoise noise) {
        this.config = config;
        this.f0Predictor = f0Predictor;
        this.decoder = decoder;
        this.noise = noise;
        this.source = new HarmonicSource(config, sourceLinearWeight, sourceLinearBias, noise);
        this.stft = new Stft16(config.istftNFft(), config.istftHopLen());
        this.istft = new InverseStft16(config.istftNFft(), config.istftHopLen());
    }

    /** Frames a non-final call needs: F0 look-ahead + conv_pre look-ahead + the held-back frame. */
    public int minNonFinalFrames() { return F0Predictor.LOOK_RIGHT + config.convPreLookRight() + 1; }

    @Override
    public float[] inference(Mel mel, boolean finalize) { return trace(mel, finalize).audio(); }

    public Trace trace(Mel mel, boolean finalize) {
        if (mel.channels() != config.inChannels()) {
            throw new IllegalArgumentException("vocoder input must have " + config.inChannels() + " mel channels, got " + mel.channels());
        }
        if (finalize && mel.frames() < 1) throw new IllegalArgumentException("vocoder input has no frames");
        if (!finalize && mel.frames() < minNonFinalFrames()) {
            throw new IllegalArgumentException("a non-final vocoder call needs at least " + minNonFinalFrames() + " mel frames ("
                    + F0Predictor.LOOK_RIGHT + " F0 look-ahead + " + config.convPreLookRight() + " conv_pre look-ahead + 1), got " + mel.frames());
        }
        int frames = finalize ? mel.frames() : mel.frames() - F0Predictor.LOOK_RIGHT;
        double[] f0 = f0Predictor.forward(mel, finalize);                      // [frames] Hz, float64
        if (f0.length != frames) throw new IllegalStateException("F0 predictor returned " + f0.length + " frames, expected " + frames);
        float[] f0f = new float[frames];                                         // .to(speech_feat): float32
        for (int i = 0; i < frames; i++) f0f[i] = (float) f0[i];
        float[] s = source.forward(f0f);                                         // [480 * frames]
        float[] sStft = stft.forward(s);                                         // [18, 120 * frames + 1]
        int stftFrames = stft.frames(s.length);
        Mel decoderMel = mel;
        if (!finalize) {
            decoderMel = mel.slice(0, frames);                                   // mel[:, :, :-3]
            int trim = upsampleFactor() * config.convPreLookRight();            // 480 STFT frames
            sStft = trimFrames(sStft, 2 * stft.bins(), stftFrames, stftFrames - trim);
            stftFrames -= trim;
        }
        float[] convPost = decoder.forward(decoderMel, sStft, stftFrames, finalize); // [18, stftFrames]
        float[] audio = istft.forward(convPost, stftFrames);                     // [hop * (stftFrames - 1)]
        if (!finalize) audio = java.util.Arrays.copyOf(audio, audio.length - config.samplesPerFrame());
        float limit = (float) config.audioLimit();
        for (int i = 0; i < audio.length; i++) audio[i] = Math.clamp(audio[i], -limit, limit);
        return new Trace(f0, s, sStft, convPost, stftFrames, audio);
    }

    /** prod(upsample_rates) = 120: decoder frames per mel frame. */
    private int upsampleFactor() {
        int r = 1;
        for (int u : config.upsampleRates()) r *= u;
        return r;
    }

    private static float[] trimFrames(float[] x, int channels, int frames, int keep) {
        float[] out = new float[channels * keep];
        for (int c = 0; c < channels; c++) System.arraycopy(x, c * frames, out, c * keep, keep);
        return out;
    }

    @Override
    public void close() {
        try (noise; decoder; f0Predictor) {
            // closes all three, even if one throws
        }
    }
}
