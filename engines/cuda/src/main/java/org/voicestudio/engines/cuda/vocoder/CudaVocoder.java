package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.F0Predictor;
import org.voicestudio.inference.vocoder.HiftDecoder;
import org.voicestudio.inference.vocoder.Vocoder;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The HiFT vocoder (reference §5) with its decoder on the GPU ({@link CudaHiftDecoder}, float32) and its F0
 * predictor on the host in float64 ({@link HostF0Predictor}); the harmonic source, the STFTs, the
 * holdback and the clamp are the shared {@link CausalHift} glue. Not thread-safe.
 */
public final class CudaVocoder implements Vocoder {
    /** Seed of our own fixed vocoder noise when the model folder has no exported official noise (the yaml's seed). */
    public static final long DEFAULT_NOISE_SEED = 1986L;

    private static final String GENERATOR = "generator.";

    private final CausalHift hift;
    private final CudaContext ownedContext;   // null when the caller keeps the context

    private CudaVocoder(CausalHift hift, CudaContext ownedContext) {
        this.hift = hift;
        this.ownedContext = ownedContext;
    }

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
        // the F0 predictor fuses its weight norms in float64, so it reads the un-fused originals
        try (StateDict raw = PtReader.readStateDict(folder.file("hift.pt"))) {
            // a checkpoint saved from the GAN wrapper prefixes every key with "generator." (ModelFolder strips it too)
            StateDict unfused = raw.keys().stream().allMatch(k -> k.startsWith(GENERATOR)) ? raw.withPrefix(GENERATOR) : raw;
            return create(ctx, ownsContext, folder.config().hift(), unfused, folder.hiftWeights(), noise);
        } catch (IOException e) {
            noise.close();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * From state dicts: {@code unfused} holds the raw f0_predictor parametrizations, {@code fused} the rest with
     * weight norms fused. Neither is kept. The vocoder takes ownership of {@code noise}.
     */
    public static CudaVocoder create(CudaContext ctx, boolean ownsContext, HiftConfig config, StateDict unfused, StateDict fused,
                                     VocoderNoise noise) {
        F0Predictor f0 = null;
        HiftDecoder decoder = null;
        try {
            int harmonics = config.nbHarmonics() + 1;
            float[] linearWeight = fused.get("m_source.l_linear.weight", 1, harmonics).toFloats();
            float linearBias = fused.get("m_source.l_linear.bias", 1).toFloats()[0];
            f0 = new HostF0Predictor(unfused, config.inChannels(), config.f0CondChannels());
            decoder = new CudaHiftDecoder(ctx, config, fused);
            return new CudaVocoder(new CausalHift(config, f0, decoder, linearWeight, linearBias, noise), ownsContext ? ctx : null);
        } catch (RuntimeException | Error e) {
            if (decoder != null) decoder.close();
            if (f0 != null) f0.close();
            noise.close();
            throw e;
        }
    }

    @Override
    public float[] inference(Mel mel, boolean finalize) { return hift.inference(mel, finalize); }

    /** Every intermediate of one call (F0, source, STFT, conv_post, audio). */
    public CausalHift.Trace trace(Mel mel, boolean finalize) { return hift.trace(mel, finalize); }

    @Override
    public void close() {
        try {
            hift.close();
        } finally {
            if (ownedContext != null) ownedContext.close();
        }
    }
}
