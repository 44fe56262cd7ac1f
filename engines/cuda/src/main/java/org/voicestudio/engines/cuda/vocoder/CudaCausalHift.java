package org.voicestudio.engines.cuda.vocoder;

import org.bytedeco.cuda.cudart.CUstream_st;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaException;
import org.voicestudio.engines.cuda.CudaGraph;
import org.voicestudio.engines.cuda.StreamOp;
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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

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
    private static final int MAX_RECORDED = 4;
    /** System property choosing how a repeated call shape is issued: {@code ops} (default), {@code graph} or {@code eager}. */
    public static final String REPLAY_PROPERTY = "voicestudio.cuda.vocoder.replay";

    /** How the device work of a call is issued. */
    public enum Replay {
        /** Build every launch anew each call. */
        EAGER,
        /** Keep the launches of the last few call shapes and re-issue them (no argument packing per call). */
        OPS,
        /** As OPS, captured into one CUDA graph per shape (one launch per call). */
        GRAPH;

        /** From {@link #REPLAY_PROPERTY}; a clear error for an unknown value. */
        public static Replay fromSystemProperty() {
            String v = System.getProperty(REPLAY_PROPERTY, "ops").trim();
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "eager" -> EAGER;
                case "ops" -> OPS;
                case "graph" -> GRAPH;
                default -> throw new IllegalArgumentException("-D" + REPLAY_PROPERTY + "=" + v + ": expected ops, graph or eager");
            };
        }
    }

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
    private long noiseEpoch;                   // bumped whenever fixedNoise is reallocated
    private final Replay replay;
    /** Recorded call shapes, least recently used first; a streaming session grows the mel every call, so only a few are kept. */
    private final Map<Long, Recorded> recorded = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Recorded> eldest) {
            if (size() <= MAX_RECORDED) return false;
            eldest.getValue().close();
            return true;
        }
    };
    private String graphFailure;               // why the last graph capture failed, null if none did

    /** Takes ownership of the predictor, the decoder and the noise; replays as {@link #REPLAY_PROPERTY} says. */
    public CudaCausalHift(CudaContext ctx, HiftConfig config, CudaF0Predictor f0Predictor, CudaHiftDecoder decoder,
                          float[] sourceLinearWeight, float sourceLinearBias, VocoderNoise noise) {
        this(ctx, config, f0Predictor, decoder, sourceLinearWeight, sourceLinearBias, noise, Replay.fromSystemProperty());
    }

    /** Takes ownership of the predictor, the decoder and the noise. */
    public CudaCausalHift(CudaContext ctx, HiftConfig config, CudaF0Predictor f0Predictor, CudaHiftDecoder decoder,
                          float[] sourceLinearWeight, float sourceLinearBias, VocoderNoise noise, Replay replay) {
        this.ctx = ctx;
        this.replay = replay;
        this.config = config;
        this.f0Predictor = f0Predictor;
        this.decoder = decoder;
        this.noise = noise;
        this.harmonics = config.nbHarmonics() + 1;
        if (config.istftNFft() != STFT_N) throw new IllegalArgumentException("the GPU vocoder glue is written for istft n_fft " + STFT_N + ", the model has " + config.istftNFft());
        // hop <= n_fft / 2 keeps the overlapped squared Hann window positive over the kept samples (InverseStft16 checks it on the host)
        if (config.istftHopLen() < 1 || config.istftHopLen() > STFT_N / 2) {
            throw new IllegalArgumentException("the GPU vocoder glue needs an istft hop_len in [1, " + STFT_N / 2 + "], the model has " + config.istftHopLen());
        }
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
        Shape shape = new Shape(melFrames, finalize, frames, samples, stftFrames, decoderMelFrames, decoded, audioSamples, mel.channels());
        Results r;
        if (replay == Replay.EAGER) {
            r = record(op -> op.enqueue(ctx.stream()), shape, m, noiseArg);
        } else {
            Recorded rec = recorded.get(shape.key());
            if (rec != null && !Arrays.equals(rec.epochs(), epochs())) {          // a buffer its ops point to was reallocated since
                recorded.remove(shape.key());
                rec.close();
                rec = null;
            }
            if (rec == null) {
                List<StreamOp> ops = new ArrayList<>();
                Results results = record(ops::add, shape, m, noiseArg);
                CudaGraph graph = null;
                if (replay == Replay.GRAPH) {
                    try {
                        graph = CudaGraph.capture(ctx.stream(), ops);
                    } catch (CudaException e) {
                        graph = null;                                               // not capturable here: replay the ops one by one
                        graphFailure = e.getMessage();
                    }
                }
                rec = new Recorded(epochs(), List.copyOf(ops), graph, results);
                recorded.put(shape.key(), rec);
            }
            rec.replay(ctx.stream());
            r = rec.results();
        }
        ctx.synchronize();
        float[] out = audioSamples > 0 ? r.audio().downloadFloats(0, audioSamples) : new float[0];
        if (!trace) return new CausalHift.Trace(null, null, null, null, stftFrames, out);
        int channels = STFT_N + 2;
        return new CausalHift.Trace(Workspace.downloadDoubles(r.f0(), frames), r.source().downloadFloats(0, samples),
                r.stft().downloadFloats(0, channels * stftFrames), r.convPost().downloadFloats(0, channels * stftFrames), stftFrames, out);
    }

    /** The buffers one call leaves its results in. */
    private record Results(DeviceBuffer f0, DeviceBuffer source, DeviceBuffer stft, DeviceBuffer convPost, DeviceBuffer audio) {}

    /** The ops of one call shape, kept for replay while the buffers they point to live ({@code epochs} unchanged). */
    private record Recorded(long[] epochs, List<StreamOp> ops, CudaGraph graph, Results results) implements AutoCloseable {
        void replay(CUstream_st stream) {
            if (graph != null) graph.launch(stream);
            else for (StreamOp op : ops) op.enqueue(stream);
        }

        @Override
        public void close() {
            if (graph != null) graph.close();
        }
    }

    /** The sizes of one call. */
    private record Shape(int melFrames, boolean isFinal, int frames, int samples, int stftFrames, int decoderMelFrames,
                         int decoded, int audioSamples, int melChannels) {
        long key() { return 2L * melFrames + (isFinal ? 1 : 0); }
    }

    /**
     * The device work of one call shape, handed to {@code sink} in stream order (enqueued directly, or kept for
     * replay); the buffers it leaves its results in. Allocates what the shape needs first.
     */
    private Results record(Consumer<StreamOp> sink, Shape s, DeviceBuffer m, Object noiseArg) {
        int frames = s.frames(), samples = s.samples(), stftFrames = s.stftFrames(), upsample = config.samplesPerFrame();
        DeviceBuffer f0 = f0Slot.of(frames * 8L), f0f = f0fSlot.of(frames * 4L);
        f0Predictor.record(sink, m, s.melFrames(), frames, f0, f0f);                // [T'] float64 + float32
        DeviceBuffer phase = phaseSlot.of((long) frames * harmonics * 4), sines = sinesSlot.of((long) frames * harmonics * 4);
        sink.accept(phaseKernel.launch(Dim.of(1), Dim.of(harmonics), 0, phase, f0f, randIni, frames, harmonics, upsample,
                (float) config.samplingRate()));                                    // [T', 9]
        elementwise(sink, sinesKernel, (long) frames * harmonics, sines, phase, frames * harmonics, (float) config.nsfAlpha());
        DeviceBuffer source = sourceSlot.of(samples * 4L);
        float sineAmp = (float) config.nsfAlpha();
        long seed = noise instanceof VocoderNoise.Seeded sn ? sn.seed() : 0L;
        elementwise(sink, sourceKernel, samples, source, sines, f0f, noiseArg, seed, linearWeight, linearBias, frames, harmonics,
                upsample, (float) config.nsfSigma(), (1f * sineAmp) / 3f, (float) config.nsfVoicedThreshold());   // [480 T']
        int channels = STFT_N + 2;
        int hop = config.istftHopLen();
        DeviceBuffer stft = stftSlot.of((long) channels * stftFrames * 4);
        elementwise(sink, stftKernel, stftFrames, stft, source, samples, hop, stftFrames, window, cosTable, sinTable);   // [18, F]
        DeviceBuffer decoderMel = m;
        if (!s.isFinal()) {
            decoderMel = decoderMelSlot.of((long) s.melChannels() * s.decoderMelFrames() * 4);
            elementwise(sink, sliceColumns, (long) s.melChannels() * s.decoderMelFrames(), decoderMel, m, s.melChannels(),
                    s.melFrames(), s.decoderMelFrames());
        }
        DeviceBuffer convPost = decoder.record(sink, decoderMel, s.isFinal() ? s.melFrames() : s.decoderMelFrames(), stft,
                stftFrames, s.decoded());                                           // [18, F]
        DeviceBuffer ywin = ywinSlot.of((long) stftFrames * STFT_N * 8);
        elementwise(sink, istftFrames, stftFrames, ywin, convPost, stftFrames, window, cosTable, sinTable);         // [F, 16]
        DeviceBuffer audio = audioSlot.of(Math.max(1, s.audioSamples()) * 4L);
        elementwise(sink, istftOverlap, s.audioSamples(), audio, ywin, stftFrames, hop, s.audioSamples(), window, (float) config.audioLimit());
        return new Results(f0, source, stft, convPost, audio);
    }

    /** Generations of every buffer recorded ops may point to. */
    private long[] epochs() { return new long[] {work.epoch(), f0Predictor.epoch(), decoder.epoch(), noiseEpoch}; }

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
            noiseEpoch++;
            fixedNoise = Workspace.uploadFloats(ctx, values);
            fixedNoiseSamples = count;
        }
        return fixedNoise;
    }

    private static void elementwise(Consumer<StreamOp> sink, Kernel kernel, long count, Object... args) {
        sink.accept(kernel.launch(Dim.of((int) Math.max(1, (count + BLOCK - 1) / BLOCK)), Dim.of(BLOCK), 0, args));
    }

    /** How this vocoder issues its device work. */
    public Replay replay() { return replay; }

    /** Why the last CUDA graph capture failed (then the ops are replayed one by one), or null. */
    public String graphFailure() { return graphFailure; }

    @Override
    public void close() {
        try (noise; decoder; f0Predictor) {
            ctx.makeCurrent();
            ctx.synchronize();
            for (Recorded r : recorded.values()) r.close();
            recorded.clear();
            for (DeviceBuffer b : new DeviceBuffer[] {linearWeight, randIni, window, cosTable, sinTable, fixedNoise}) if (b != null) b.close();
            work.close();
        }
    }
}
