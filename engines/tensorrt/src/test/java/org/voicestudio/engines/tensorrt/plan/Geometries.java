package org.voicestudio.engines.tensorrt.plan;

import org.voicestudio.inference.config.ConfigException;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.RandomModel;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The two geometries the plans are tested on: the golden cv3-tiny folder, and Fun-CosyVoice3-0.5B's sizes (no weights written). */
final class Geometries {
    private Geometries() {}

    static ModelConfig tiny() {
        try (ModelFolder f = ModelFolder.open(Golden.tinyModel())) {
            return f.config();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelConfig full() {
        try {
            return RandomModel.Geometry.FULL.config();
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }
}
