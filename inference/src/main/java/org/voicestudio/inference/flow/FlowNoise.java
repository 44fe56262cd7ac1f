package org.voicestudio.inference.flow;

import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The fixed starting noise of the flow solver. {@code CausalConditionalCFM} draws {@code rand_noise =
 * randn(1, 80, 15000)} once at construction (after {@code set_all_random_seed(0)}) and every call uses
 * {@code rand_noise[:, :, :T]}: the same noise for every request, which is what makes chunk-by-chunk
 * recomputation reproduce earlier frames (reference §4.1). Immutable; {@link #frames(int)} copies.
 *
 * <p>Sources, in the order {@link #forModel} tries them: a tensor file {@value #FILE_NAME} in the model
 * folder (a user with the real weights can export the official tensor: {@code save_file({"rand_noise":
 * flow.decoder.rand_noise.contiguous()}, ...)}); otherwise our own deterministic noise from seed 0
 * ({@link #seeded}). The official {@code torch.randn} tensor cannot be regenerated bit for bit here (its
 * last bits depend on the math library of the machine that drew it); the seeded noise follows PyTorch's CPU
 * algorithm, so it agrees with the official tensor to float32 rounding (checked against the golden slice).
 */
public final class FlowNoise {
    /** 50 frames per second x 300 s, prompt included. */
    public static final int OFFICIAL_FRAMES = 50 * 300;
    /** The official noise seed ({@code set_all_random_seed(0)}). */
    public static final long OFFICIAL_SEED = 0;
    /** Optional file in a model folder holding the exported official noise. */
    public static final String FILE_NAME = "flow_rand_noise.safetensors";

    private final int channels;
    private final int length;
    private final float[] data;   // (channels, length)
    private final String source;

    private FlowNoise(int channels, int length, float[] data, String source) {
        this.channels = channels;
        this.length = length;
        this.data = data;
        this.source = source;
    }

    /** From a (1, C, L) or (C, L) float tensor, e.g. the exported {@code rand_noise} or a slice of it. */
    public static FlowNoise of(Tensor noise, String source) {
        long[] s = noise.shape();
        if (!(s.length == 3 && s[0] == 1) && s.length != 2) {
            throw new IllegalArgumentException(source + ": flow noise must have shape (1, channels, frames) or (channels, frames), got " + Arrays.toString(s));
        }
        int c = Math.toIntExact(s[s.length - 2]);
        int l = Math.toIntExact(s[s.length - 1]);
        return new FlowNoise(c, l, noise.toFloats(), source);
    }

    /** Deterministic standard-normal noise (channels, frames) from {@code seed}, drawn like {@code torch.randn} on CPU. */
    public static FlowNoise seeded(long seed, int channels, int frames) {
        return new FlowNoise(channels, frames, new TorchCpuNormal(seed).normal(Math.multiplyExact(channels, frames)),
                "seeded noise (seed " + seed + ")");
    }

    /** The single tensor in a safetensors file (or the one named {@code rand_noise} if there are several). */
    public static FlowNoise load(Path file) throws IOException {
        try (StateDict sd = SafeTensors.read(file)) {
            Tensor t;
            if (sd.size() == 1) t = sd.get(sd.keys().getFirst());
            else t = sd.get("rand_noise");
            return of(t.copy(), file.toString());
        }
    }

    /** The model folder's exported noise when present, else {@link #seeded} with the official seed and size. */
    public static FlowNoise forModel(ModelFolder folder, int channels) {
        Path file = folder.file(FILE_NAME);
        if (Files.isRegularFile(file)) {
            try {
                FlowNoise n = load(file);
                if (n.channels != channels) {
                    throw new IllegalArgumentException(file + ": flow noise has " + n.channels + " channels, the model has " + channels);
                }
                return n;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read flow noise " + file, e);
            }
        }
        return seeded(OFFICIAL_SEED, channels, OFFICIAL_FRAMES);
    }

    public int channels() { return channels; }

    /** Frames available: the longest prompt + target a request may have. */
    public int length() { return length; }

    public String source() { return source; }

    /** {@code rand_noise[:, :, :frames]} as (channels, frames). */
    public float[] frames(int frames) {
        if (frames < 0 || frames > length) {
            throw new IllegalArgumentException("flow needs " + frames + " noise frames (prompt + target mel) but " + source
                    + " has " + length + " (" + length / 50 + " s at 50 frames/s); shorten the text or the prompt");
        }
        float[] out = new float[channels * frames];
        for (int c = 0; c < channels; c++) System.arraycopy(data, c * length, out, c * frames, frames);
        return out;
    }
}
