package org.voicestudio.inference.testing;

import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one place tests learn where {@code ../shared/golden} is: the {@code golden.dir} system
 * property (set by the build), else {@code ../shared/golden} relative to the working directory's
 * ancestors. Fixtures are read in place, never copied.
 */
public final class Golden {
    private static StateDict tensors;

    private Golden() {}

    public static Path dir() {
        String prop = System.getProperty("golden.dir");
        if (prop != null && Files.isDirectory(Path.of(prop))) return Path.of(prop).toAbsolutePath().normalize();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("../shared/golden").normalize();
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("golden fixtures not found: set -Dgolden.dir or place them at ../shared/golden");
    }

    /** The tiny CosyVoice3 model folder {@code cv3-tiny}. */
    public static Path tinyModel() { return dir().resolve("cv3-tiny"); }

    /** A reference tensor from {@code cv3-tiny/golden.safetensors}. */
    public static synchronized Tensor tensor(String name) {
        try {
            if (tensors == null) tensors = SafeTensors.read(tinyModel().resolve("golden.safetensors"));
            return tensors.get(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
