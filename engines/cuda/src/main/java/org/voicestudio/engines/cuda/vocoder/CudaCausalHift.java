package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.F0Predictor;
import org.voicestudio.inference.vocoder.Stft16;
import org.voicestudio.inference.vocoder.Vocoder;
import org.voicestudio.inference.vocoder.VocoderNoise;

/**
 * {@code CausalHiFTGenerator.inference(mel, finalize)} (reference §5) entirely on the GPU: one call uploads the
 * mel, enqueues everything on the context's stream and downloads the audio. The same steps as the host glue
 * {@link CausalHift}, kernel for kernel (hift_source.cu mirrors HarmonicSource, Stft16 and InverseStft16
 * operation by operation):
 * <pre>
 * f0     = |classifier(ELU(conv k3)^4(ELU(conv k4 (mel))))|        float64 ({@link CudaF0Predictor})
 * phase  = 2 pi 480 cumsum(down480(((k f0 / sr) mod 1) + rand_ini)) float32, float64 accumulator, per harmonic
 * source = tanh(l_linear(sin(phase) 0.1 uv + noise_amp noise))    [480 T']
 * s_stft = stft16(source)                                          [18, 120 T' + 1], minus 480 frames if non-final
 * x      = decode(mel, s_stft)                                     {@link CudaHiftDecoder}, fp32
 * audio  = clamp(istft16(exp|sin(x)), 0.99)                       minus 480 samples if non-final
 * </pre>
 * Not thread-safe.
 */
public final class CudaCausalHift implements Vocoder {
    private static final String SOURCE = "hift_source.cu";
    private static final int BLOCK = 256;
    private static final int STFT_N = 16;      // STFT_N of hift_source.cu

    private final CudaContext ctx;
    private final HiftConfig config;
    private final CudaF0Predictor f0Predictor;
    private final CudaHiftDecoder decoder;
    private final VocoderNoise noise;
    private final int harmonics, upsampleFactor;
    private final float linearBias;
    private final Kernel phaseKernel, sinesKernel, sourceKernel, stftKernel, istftFrames, istftOverlap, sliceColumns;
    private final DeviceBuffer linearWeight, randIni, window, cosTable, sinTable;
    private final Workspace work;
    private final Workspace.Slot melSlot, decoderMelSlot, f0Slot, f0fSlot, phaseSlot, sinesSlot, sourceSlot, stftSlot, ywinSlot, audioSlot;
    private DeviceBuffer fixedNoise;           // the prefix of a fixed noise tensor uploaded so far (null: seeded on the GPU)
    private long fixedNoiseSamples;

    /** Takes ownership of the predictor, the decoder and the noise. */
    public CudaCausalHift(CudaContext ctx, HiftConfig config, CudaF0Predictor f0Predictor, CudaHiftDecoder decoder,
                          float[] sourceLinearWeight, float sourceLinearBias, VocoderNoise noise) {
        this.ctx = ctx;
        this.config = config;
        this.f0Predictor = f0Predictor;
        this.decoder = decoder;
        this.noise = noise;
        this.harmonics = config.nbHarmonics() + 1;
        if (config.istftNFft() != STFT_N) throw new IllegalArgumentException("the GPU vocoder glue is written for istft n_fft " + STFT_N + ", the model has " + config.istftNFft());
        if (sourceLinearWeight.length != harmonics) {
            throw new IllegalArgumentException("m_source.l_linear.weight needs " + harmonics + " values (nb_harmonics + 1), got " + sourceLinearWeight.length);
        }
        if (noise.harmonics() != harmonics) throw new IllegalArgumentException("vocoder noise has " + noise.harmonics() + " harmonics, the model needs " + harmonics);
        int r = 1;
        for (int u : config.upsampleRates()) r *= u;
        this.upsampleFactor = r;
        this.linearBias = sourceLinearBias;
        ctx.makeCurrent();
        this.work = new Workspace(ctx);
        DeviceBuffer lw = null, ini = null, win = null, cos = null, sin = null;
        try {
            var kc = ctx.kernels();
            phaseKernel = kc.kernel(SOURCE, "harmonic_phase");
            sinesKernel = kc.kernel(SOURCE, "frame_sines");
            sourceKernel = kc.kernel(SOURCE, "harmonic_source");
            stftKernel = kc.kernel(SOURCE, "stft16");
            istftFrames = kc.kernel(SOURCE, "istft_frames");
            istftOverlap = kc.kernel(SOURCE, "istft_overlap");
            sliceColumns = kc.kernel(SOURCE, "slice_columns");
            lw = Workspace.uploadFloats(ctx, sourceLinearWeight);
            ini = Workspace.uploadFloats(ctx, noise.randIni());
            win = Workspace.uploadFloats(ctx, Stft16.periodicHann(STFT_N));
            int bins = STFT_N / 2 + 1;
            double[] c = new double[bins * STFT_N], s = new double[bins * STFT_N];
            for (int k = 0; k < bins; k++) {
                for (int n = 0; n < STFT_N; n++) {        // the host tables of Stft16 / InverseStft16
                    double a = 2 * Math.PI * ((long) k * n % STFT_N) / STFT_N;
                    c[k * STFT_N + n] = Math.cos(a);
                    s[k * STFT_N + n] = Math.sin(a);
                }
            }
            cos = Workspace.uploadDoubles(ctx, c);
            sin = Workspace.uploadDoubles(ctx, s);
        } catch (RuntimeException | Error e) {
            for (DeviceBuffer b : new DeviceBuffer[] {lw, ini, win, cos, sin}) if (b != null) b.close();
            work.close();
            throw e;
        }
        this.linearWeight = lw;
        this.randIni = ini;
        this.window = win;
        this.cosTable = cos;
        this.sinTable = sin;
        this.melSlot = work.slot();
        this.decoderMelSlot = work.slot();
        this.f0Slot = work.slot();
        this.f0fSlot = work.slot();
        this.phaseSlot = work.slot();
        this.sinesSlot = work.slot();
        this.sourceSlot = work.slot();
        this.stftSlot = work.slot();
        this.ywinSlot = work.slot();
        this.audioSlot = work.slot();
    }

    /** Frames a non-final call needs: F0 look-ahead + conv_pre look-ahead + the held-back frame. */
    public int minNonFinalFrames() { return F0Predictor.LOOK_RIGHT + config.convPreLookRight() + 1; }

    @Override
    public float[] inference(Mel mel, boolean finalize) { return run(mel, finalize, false).audio(); }

    /** Every intermediate of one call, downloaded (F0, source, source STFT, conv_post, audio). */
    public CausalHift.Trace trace(Mel mel, boolean finalize) { return run(mel, finalize, true); }

    private CausalHift.Trace run(Mel mel, boolean finalize, boolean trace) {
        if (mel.channels() != config.inChannels()) {
            throw new IllegalArgumentException("vocoder input must have " + config.inChannels() + " mel channels, got " + mel.channels());
        }
        if (finalize && mel.frames() < 1) throw new IllegalArgumentException("vocoder input has no frames");
        if (!finalize && mel.frames() < minNonFinalFrames()) {
            throw new IllegalArgumentException("a non-final vocoder call needs at least " + minNonFinalFrames() + " mel frames ("
                    + F0Predictor.LOOK_RIGHT + " F0 look-ahead + " + config.convPreLookRight() + " conv_pre look-ahead + 1), got " + mel.frames());
        }
        int melFrames = mel.frames();
        int frames = CudaF0Predictor.outFrames(melFrames, finalize);                // F0 / source frames T'
        int upsample = config.samplesPerFrame();                                     // 480 source samples per frame
        int samples = frames * upsample;
        int hop = config.istftHopLen();
        int stftFrames = samples / hop + 1;                                         // center=True
        if (!finalize) stftFrames -= upsampleFactor * config.convPreLookRight();    // the conv_pre look-ahead's 480 frames
        int decoderMelFrames = frames;                                              // mel[:, :, :-3] when non-final
        int decoded = decoder.decodedFrames(decoderMelFrames, finalize);
        int audioSamples = hop * (stftFrames - 1) - (finalize ? 0 : config.samplesPerFrame());

        ctx.makeCurrent();
        Object noiseArg = noiseFor(samples);                                        // uploads a fixed-noise prefix if needed
        DeviceBuffer m = melSlot.of((long) mel.data().length * 4);
        m.upload(mel.data(), 0);
        ctx.synchronizeDevice();                                                    // the uploads have landed before the stream reads them
        DeviceBuffer f0 = f0Slot.of(frames * 8L), f0f = f0fSlot.of(frames * 4L);
        f0Predictor.enqueue(m, melFrames, frames, f0, f0f);                         // [T'] float64 + float32
        DeviceBuffer phase = phaseSlot.of((long) frames * harmonics * 4), sines = sinesSlot.of((long) frames * harmonics * 4);
        phaseKernel.launch(Dim.of(1), Dim.of(harmonics), 0, phase, f0f, randIni, frames, harmonics, upsample,
                (float) config.samplingRate()).enqueue(ctx.stream());               // [T', 9]
        elementwise(sinesKernel, (long) frames * harmonics, sines, phase, frames * harmonics, (float) config.nsfAlpha());
        DeviceBuffer source = sourceSlot.of(samples * 4L);
        float sineAmp = (float) config.nsfAlpha();
        long seed = noise instanceof VocoderNoise.Seeded s ? s.seed() : 0L;
        elementwise(sourceKernel, samples, source, sines, f0f, noiseArg, seed, linearWeight, linearBias, frames, harmonics,
                upsample, (float) config.nsfSigma(), (1f * sineAmp) / 3f, (float) config.nsfVoicedThreshold());   // [480 T']
        int channels = STFT_N + 2;
        DeviceBuffer stft = stftSlot.of((long) channels * stftFrames * 4);
        elementwise(stftKernel, stftFrames, stft, source, samples, hop, stftFrames, window, cosTable, sinTable);   // [18, F]
        DeviceBuffer decoderMel = m;
        if (!finalize) {
            decoderMel = decoderMelSlot.of((long) mel.channels() * decoderMelFrames * 4);
            elementwise(sliceColumns, (long) mel.channels() * decoderMelFrames, decoderMel, m, mel.channels(), melFrames, decoderMelFrames);
        }
        DeviceBuffer convPost = decoder.enqueue(decoderMel, finalize ? melFrames : decoderMelFrames, stft, stftFrames, decoded);   // [18, F]
        DeviceBuffer ywin = ywinSlot.of((long) stftFrames * STFT_N * 8);
        elementwise(istftFrames, stftFrames, ywin, convPost, stftFrames, window, cosTable, sinTable);               // [F, 16]
        DeviceBuffer audio = audioSlot.of(Math.max(1, audioSamples) * 4L);
        elementwise(istftOverlap, audioSamples, audio, ywin, stftFrames, hop, audioSamples, window, (float) config.audioLimit());
        ctx.synchronize();
        float[] out = audioSamples > 0 ? audio.downloadFloats(0, audioSamples) : new float[0];
        if (!trace) return new CausalHift.Trace(null, null, null, null, stftFrames, out);
        return new CausalHift.Trace(Workspace.downloadDoubles(f0, frames), source.downloadFloats(0, samples),
                stft.downloadFloats(0, channels * stftFrames), convPost.downloadFloats(0, channels * stftFrames), stftFrames, out);
    }

    /** The noise kernel argument: the fixed tensor's device copy (grown to cover {@code samples}), or null for the seeded hash. */
    private Object noiseFor(long samples) {
        if (noise instanceof VocoderNoise.Seeded) return new Ptr(0);
        if (samples > noise.length()) {
            throw new IllegalArgumentException("the fixed vocoder noise covers " + noise.length() + " samples; "
                    + samples / config.samplesPerFrame() + " frames need " + samples);
        }
        if (samples > fixedNoiseSamples) {
            long count = Math.min(noise.length(), Math.max(samples, 2 * fixedNoiseSamples));   // grow geometrically
            if (count * harmonics > Integer.MAX_VALUE - 8) count = samples;
            float[] values;
            if (noise instanceof VocoderNoise.Fixed f) {
                values = java.util.Arrays.copyOf(f.sineWaves(), (int) (count * harmonics));
            } else {
                values = new float[(int) (count * harmonics)];
                for (long s = 0; s < count; s++) for (int k = 0; k < harmonics; k++) values[(int) (s * harmonics + k)] = noise.sineNoise(s, k);
            }
            if (fixedNoise != null) fixedNoise.close();
            fixedNoise = null;
            fixedNoiseSamples = 0;
            fixedNoise = Workspace.uploadFloats(ctx, values);
            fixedNoiseSamples = count;
        }
        return fixedNoise;
    }

    private void elementwise(Kernel kernel, long count, Object... args) {
        kernel.launch(Dim.of((int) Math.max(1, (count + BLOCK - 1) / BLOCK)), Dim.of(BLOCK), 0, args).enqueue(ctx.stream());
    }

    @Override
    public void close() {
        try (noise; decoder; f0Predictor) {
            ctx.makeCurrent();
            ctx.synchronize();
            for (DeviceBuffer b : new DeviceBuffer[] {linearWeight, randIni, window, cosTable, sinTable, fixedNoise}) if (b != null) b.close();
            work.close();
        }
    }
}
