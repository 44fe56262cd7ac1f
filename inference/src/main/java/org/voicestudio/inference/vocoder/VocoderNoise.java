package org.voicestudio.inference.vocoder;

import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The fixed random tensors of {@code SineGen2} (reference §5): {@code sine_waves}, uniform [0, 1)
 * noise of shape (1, L, harmonics) whose prefix {@code [:, :480 * frames]} every call adds to the
 * harmonics, and {@code rand_ini} (1, harmonics), the initial phases added to sample 0 (which the
 * linear down-sampling of the phase never reads, so it has no audible effect).
 *
 * <p>The official code draws both from torch's global RNG while the vocoder is constructed; their
 * values depend on everything built before it and cannot be regenerated here. They can be
 * exported from a real load into {@link #FILE_NAME} in the model folder ({@link #load}); otherwise
 * {@link #seeded} gives our own deterministic uniform noise, so chunked re-synthesis still
 * reproduces earlier samples, but the waveform is not bit-identical to the official one.
 * ({@code SourceModuleHnNSF.uv}, the noise branch, never reaches the waveform and is not modelled.)
 */
public sealed interface VocoderNoise extends AutoCloseable {

    /** Optional file in a model folder with tensors {@code sine_waves} (1, L, 9) and {@code rand_ini} (1, 9). */
    String FILE_NAME = "hift_noise.safetensors";

    /** Harmonics per sample (nb_harmonics + 1). */
    int harmonics();

    /** Samples available, {@link Long#MAX_VALUE} when generated on demand. */
    long length();

    /** {@code sine_waves[0, sample, harmonic]}, uniform in [0, 1). */
    float sineNoise(long sample, int harmonic);

    /** {@code rand_ini[0, :]}: initial phase (in turns) per harmonic; entry 0 is 0. */
    float[] randIni();

    @Override default void close() {}

    /** Given tensors, e.g. the golden {@code hift_sine_noise} (1, L, H) and {@code hift_rand_ini} (1, H). */
    static VocoderNoise of(Tensor sineWaves, Tensor randIni) {
        if (sineWaves.rank() != 3 || sineWaves.dim(0) != 1) {
            throw new IllegalArgumentException("sine_waves must have shape (1, L, harmonics), got " + Arrays.toString(sineWaves.shape()));
        }
        int h = (int) sineWaves.dim(2);
        if (randIni.numel() != h) {
            throw new IllegalArgumentException("rand_ini must have " + h + " values (one per harmonic), got " + Arrays.toString(randIni.shape()));
        }
        return new Fixed(sineWaves.toFloats(), h, randIni.toFloats());
    }

    /** Our own fixed noise: deterministic per seed, any length, thread-safe; rand_ini drawn the same way with entry 0 zero. */
    static VocoderNoise seeded(long seed, int harmonics) {
        float[] ini = new float[harmonics];
        for (int k = 1; k < harmonics; k++) ini[k] = Seeded.uniform(seed ^ 0x5EEDL, k);
        return new Seeded(seed, harmonics, ini);
    }

    /** The exported official tensors of a model folder, memory-mapped; close to unmap. */
    static VocoderNoise load(Path file) throws IOException {
        StateDict dict = SafeTensors.read(file);
        try {
            Tensor sine = dict.get("sine_waves");
            if (sine.rank() != 3 || sine.dim(0) != 1 || sine.dtype() != org.voicestudio.inference.tensor.DType.F32) {
                throw new IOException(file + ": 'sine_waves' must be float32 (1, L, harmonics), got " + sine);
            }
            int h = (int) sine.dim(2);
            Tensor ini = dict.get("rand_ini");
            if (ini.numel() != h) throw new IOException(file + ": 'rand_ini' must have " + h + " values, got " + ini);
            return new Mapped(dict, sine.data(), sine.dim(1), h, ini.toFloats());
        } catch (IOException | RuntimeException e) {
            dict.close();
            throw e;
        }
    }

    /** {@link #FILE_NAME} from the model folder if present, else {@link #seeded}. */
    static VocoderNoise forModelFolder(Path modelDir, long seed, int harmonics) throws IOException {
        Path file = modelDir.resolve(FILE_NAME);
        return java.nio.file.Files.isRegularFile(file) ? load(file) : seeded(seed, harmonics);
    }

    /** Heap tensors. */
    record Fixed(float[] sineWaves, int harmonics, float[] randIni) implements VocoderNoise {
        @Override public long length() { return sineWaves.length / harmonics; }
        @Override public float sineNoise(long sample, int harmonic) {
            if (sample >= length()) throw new IllegalArgumentException("the fixed vocoder noise covers " + length() + " samples, sample " + sample + " was asked for");
            return sineWaves[Math.toIntExact(sample * harmonics + harmonic)];
        }
        @Override public float[] randIni() { return randIni.clone(); }
    }

    /**
     * Counter-based noise: value i is a SplitMix64 hash of (seed, i), so any sample is computed on
     * demand (lazily, for exactly the length a call needs) without state.
     */
    record Seeded(long seed, int harmonics, float[] randIni) implements VocoderNoise {
        @Override public long length() { return Long.MAX_VALUE; }
        @Override public float sineNoise(long sample, int harmonic) { return uniform(seed, sample * harmonics + harmonic); }
        @Override public float[] randIni() { return randIni.clone(); }

        /** 24 random bits scaled to [0, 1), like torch.rand's float32 values. */
        static float uniform(long seed, long index) {
            long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            return (z >>> 40) * 0x1.0p-24f;
        }
    }

    /** A memory-mapped {@link #FILE_NAME}. */
    final class Mapped implements VocoderNoise {
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private final StateDict owner;
        private final MemorySegment sine;
        private final long length;
        private final int harmonics;
        private final float[] randIni;

        private Mapped(StateDict owner, MemorySegment sine, long length, int harmonics, float[] randIni) {
            this.owner = owner;
            this.sine = sine;
            this.length = length;
            this.harmonics = harmonics;
            this.randIni = randIni;
        }

        @Override public int harmonics() { return harmonics; }
        @Override public long length() { return length; }
        @Override public float sineNoise(long sample, int harmonic) {
            if (sample >= length) throw new IllegalArgumentException(owner.source() + ": the fixed vocoder noise covers " + length + " samples, sample " + sample + " was asked for");
            return sine.getAtIndex(F32, sample * harmonics + harmonic);
        }
        @Override public float[] randIni() { return randIni.clone(); }
        @Override public void close() { owner.close(); }
    }
}
