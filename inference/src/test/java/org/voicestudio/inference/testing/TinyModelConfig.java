package org.voicestudio.inference.testing;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.loading.ModelFolder;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The cv3-tiny configuration and folder, read by the loader from {@code cv3-tiny/cosyvoice3.yaml}
 * and {@code CosyVoice-BlankEN/config.json} (it was written out by hand before the yaml reader
 * landed). New tests can call {@link ModelConfigReader#read} / {@link ModelFolder#open} on
 * {@link Golden#tinyModel()} directly.
 */
public final class TinyModelConfig {
    private TinyModelConfig() {}

    public static ModelConfig config() {
        try {
            return ModelConfigReader.read(Golden.tinyModel());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code cv3-tiny} as a checked model folder; the caller closes it. */
    public static ModelFolder open() {
        try {
            return ModelFolder.open(Golden.tinyModel());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
