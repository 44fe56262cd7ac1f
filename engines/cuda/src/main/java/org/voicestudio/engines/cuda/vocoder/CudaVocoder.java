package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.F0Predictor;
import org.voicestudio.inference.vocoder.Vocoder;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The HiFT vocoder (reference §5) on the GPU. Two paths, chosen at construction:
 * <ul>
 * <li>{@link Glue#GPU} (default): everything on the device ({@link CudaCausalHift}: float64 F0 predictor, harmonic
 *     source, STFT, fp32 decoder, iSTFT, clamp); one call is upload mel, run, download audio.</li>
 * <li>{@link Glue#HOST} (the previous path, kept as a fallback): the decoder on the GPU ({@link CudaHiftDecoder}),
 *     the F0 predictor on the host in float64 ({@link HostF0Predictor}) and the shared {@link CausalHift} host glue.
 *     Selected with {@code -D}{@value #GLUE_PROPERTY}{@code =host}.</li>
 * </ul>
 * Independently, the decoder's convolutions run as im2col + cuBLAS SGEMM (default) or as hift.cu's direct conv
 * kernel ({@code -D}{@value CudaHiftDecoder#CONVS_PROPERTY}{@code =direct}); the previous path exactly is
 * {@code glue=host} with {@code convs=direct}.
 * Not thread-safe.
 */
public final class CudaVocoder implements Vocoder {
    /** Seed of our own fixed vocoder noise when the model folder has no exported official noise (the yaml's seed). */
    public static final long DEFAULT_NOISE_SEED = 1986L;
    /** System property choosing the path: {@code gpu} (default) or {@code host}. */
    public static final String GLUE_PROPERTY = "voicestudio.cuda.vocoder.glue";

    /** Where the F0 predictor, the harmonic source and the STFTs run. */
    public enum Glue {
        GPU, HOST;

        /** From {@link #GLUE_PROPERTY}; a clear error for an unknown value. */
        public static Glue fromSystemProperty() {
            String v = System.getProperty(GLUE_PROPERTY, "gpu").trim();
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "gpu" -> GPU;
                case "host" -> HOST;
                default -> throw new IllegalArgumentException("-D" + GLUE_PROPERTY + "=" + v + ": expected gpu or host");
            };
        }
    }

    private static final String GENERATOR = "generator.";

    private final CausalHift hostHift;        // Glue.HOST, else null
    private final CudaCausalHift gpuHift;     // Glue.GPU, else null
    private final CudaContext ownedContext;   // null when the caller keeps the context

    private CudaVocoder(CausalHift hostHift, CudaCausalHift gpuHift, CudaContext ownedContext) {
        this.hostHift = hostHift;
        this.gpuHift = gpuHift;
        this.ownedContext = ownedContext;
    }

    /** Which path this vocoder runs. */
    public Glue glue() { return gpuHift != null ? Glue.GPU : Glue.HOST; }

    /** Noise from {@code hift_noise.safetensors} in the folder, else our own seeded noise. */
    public static CudaVocoder load(CudaContext ctx, boolean ownsContext, ModelFolder folder) {
        VocoderNoise noise;
        try {
            noise = VocoderNoise.forModelFolder(folder.dir(), DEFAULT_NOISE_SEED, folder.config().hift().nbHarmonics() + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return load(ctx, ownsContext, folder, noise);
    }

    /**
     * With injected fixed noise (tests pass the official tensors); the vocoder takes ownership of it.
     *
     * @param ownsContext whether closing the vocoder closes {@code ctx}
     */
    public static CudaVocoder load(CudaContext ctx, boolean ownsContext, ModelFolder folder, VocoderNoise noise) {
        return load(ctx, ownsContext, folder, noise, Glue.fromSystemProperty());
    }

    /** With injected noise and an explicit path; the convolutions as {@link CudaHiftDecoder#CONVS_PROPERTY} says. */
    public static CudaVocoder load(CudaContext ctx, boolean ownsContext, ModelFolder folder, VocoderNoise noise, Glue glue) {
        return load(ctx, ownsContext, folder, noise, glue, CudaHiftDecoder.Convs.fromSystemProperty());
    }

    /** With injected noise, an explicit path and explicit convolutions (tests compare them). */
    public static CudaVocoder load(CudaContext ctx, boolean ownsContext, ModelFolder folder, VocoderNoise noise, Glue glue,
                                   CudaHiftDecoder.Convs convs) {
        // the F0 predictor fuses its weight norms in float64, so it reads the un-fused originals
        try (StateDict raw = PtReader.readStateDict(folder.file("hift.pt"))) {
            // a checkpoint saved from the GAN wrapper prefixes every key with "generator." (ModelFolder strips it too)
            StateDict unfused = raw.keys().stream().allMatch(k -> k.startsWith(GENERATOR)) ? raw.withPrefix(GENERATOR) : raw;
            return create(ctx, ownsContext, folder.config().hift(), unfused, folder.hiftWeights(), noise, glue, convs);
        } catch (IOException e) {
            noise.close();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * From state dicts, on the given path with the given convolutions: {@code unfused} holds the raw f0_predictor parametrizations, {@code fused} the rest with
     * weight norms fused. Neither is kept. The vocoder takes ownership of {@code noise}.
     */
    public static CudaVocoder create(CudaContext ctx, boolean ownsContext, HiftConfig config, StateDict unfused, StateDict fused,
                                     VocoderNoise noise, Glue glue, CudaHiftDecoder.Convs convs) {
        F0Predictor f0 = null;
        CudaHiftDecoder decoder = null;
        try {
            int harmonics = config.nbHarmonics() + 1;
            float[] linearWeight = fused.get("m_source.l_linear.weight", 1, harmonics).toFloats();
            float linearBias = fused.get("m_source.l_linear.bias", 1).toFloats()[0];
            HostF0Predictor host = new HostF0Predictor(unfused, config.inChannels(), config.f0CondChannels());
            f0 = glue == Glue.GPU ? new CudaF0Predictor(ctx, host) : host;
            decoder = new CudaHiftDecoder(ctx, config, fused, convs);
            CudaContext owned = ownsContext ? ctx : null;
            return glue == Glue.GPU
                    ? new CudaVocoder(null, new CudaCausalHift(ctx, config, (CudaF0Predictor) f0, decoder, linearWeight, linearBias, noise), owned)
                    : new CudaVocoder(new CausalHift(config, f0, decoder, linearWeight, linearBias, noise), null, owned);
        } catch (RuntimeException | Error e) {
            if (decoder != null) decoder.close();
            if (f0 != null) f0.close();
            noise.close();
            throw e;
        }
    }

    @Override
    public float[] inference(Mel mel, boolean finalize) {
        return gpuHift != null ? gpuHift.inference(mel, finalize) : hostHift.inference(mel, finalize);
    }

    /** Every intermediate of one call (F0, source, STFT, conv_post, audio). */
    public CausalHift.Trace trace(Mel mel, boolean finalize) {
        return gpuHift != null ? gpuHift.trace(mel, finalize) : hostHift.trace(mel, finalize);
    }

    @Override
    public void close() {
        try {
            if (gpuHift != null) gpuHift.close();
            else hostHift.close();
        } finally {
            if (ownedContext != null) ownedContext.close();
        }
    }
}
