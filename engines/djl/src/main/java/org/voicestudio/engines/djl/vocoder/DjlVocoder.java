package org.voicestudio.engines.djl.vocoder;

import ai.djl.ndarray.NDManager;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.Vocoder;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The HiFT vocoder on PyTorch through DJL (the reference engine): the two networks run in
 * libtorch (F0 predictor float64, decoder float32), the source, STFTs and holdback are the shared
 * {@link CausalHift} glue.
 */
public final class DjlVocoder implements Vocoder {
    /** Seed of our own fixed vocoder noise when the model folder has no exported official noise (the yaml's seed). */
    public static final long DEFAULT_NOISE_SEED = 1986L;

    private static final String GENERATOR = "generator.";

    private final NDManager manager;
    private final CausalHift hift;

    /** Noise from {@code hift_noise.safetensors} in the folder, else our own seeded noise. */
    public DjlVocoder(ModelFolder folder) {
        this(folder, defaultNoise(folder));
    }

    /** With injected fixed noise (tests pass the official tensors); the vocoder takes ownership of it. */
    public DjlVocoder(ModelFolder folder, VocoderNoise noise) {
        HiftConfig config = folder.config().hift();
        NDManager root = NDManager.newBaseManager("PyTorch");
        // the F0 predictor fuses its weight norms in float64, so it reads the un-fused originals
        try (StateDict raw = PtReader.readStateDict(folder.file("hift.pt"))) {
            StateDict fused = folder.hiftWeights();
            int harmonics = config.nbHarmonics() + 1;
            float[] linearWeight = fused.get("m_source.l_linear.weight", 1, harmonics).toFloats();
            float linearBias = fused.get("m_source.l_linear.bias", 1).toFloats()[0];
            // a checkpoint saved from the GAN wrapper prefixes every key with "generator." (ModelFolder strips it too)
            StateDict unfused = raw.keys().stream().allMatch(k -> k.startsWith(GENERATOR)) ? raw.withPrefix(GENERATOR) : raw;
            var f0 = new CausalConvRnnF0Predictor(unfused, config.inChannels(), config.f0CondChannels(), root);
            var decoder = new CausalHiftDecoder(fused, config, root);
            this.hift = new CausalHift(config, f0, decoder, linearWeight, linearBias, noise);
            this.manager = root;
        } catch (IOException e) {
            root.close();
            noise.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            root.close();
            noise.close();
            throw e;
        }
    }

    private static VocoderNoise defaultNoise(ModelFolder folder) {
        try {
            return VocoderNoise.forModelFolder(folder.dir(), DEFAULT_NOISE_SEED, folder.config().hift().nbHarmonics() + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public float[] inference(Mel mel, boolean finalize) { return hift.inference(mel, finalize); }

    /** Every intermediate of one call (F0, source, STFT, conv_post, audio). */
    public CausalHift.Trace trace(Mel mel, boolean finalize) { return hift.trace(mel, finalize); }

    @Override
    public void close() {
        try (manager; hift) {
            // vocoder parts first, then the native memory
        }
    }
}
