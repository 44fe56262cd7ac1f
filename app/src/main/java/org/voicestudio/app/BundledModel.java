package org.voicestudio.app;

import org.voicestudio.inference.loading.ModelCard;
import org.voicestudio.inference.loading.ModelFolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The model shipped with Voice Studio: {@code models/cosyvoice3-demo/} under the installation
 * ({@code -Dvoicestudio.home}, which {@code ./studio} sets to the checkout and the packaged launcher
 * to its app folder). It is the default model of the studio and of {@code studio synth} when no
 * other is configured. Its {@code MODEL_CARD.md} says what it is; its {@code voices/} are offered
 * in the voice list.
 *
 * @param dir where the folder is (or would be)
 */
public record BundledModel(Path dir) {
    /** Where the folder lies inside the installation. */
    public static final String RELATIVE = "models/cosyvoice3-demo";
    public static final String HOME_PROPERTY = "voicestudio.home";

    /** The bundled model of this installation: under {@code -Dvoicestudio.home}, else under the working directory. */
    public static BundledModel ofInstallation() {
        String home = System.getProperty(HOME_PROPERTY);
        return new BundledModel((home != null && !home.isBlank() ? Path.of(home) : Path.of("")).toAbsolutePath().resolve(RELATIVE));
    }

    /** Whether every required file of a model folder is there (the checkpoints are checked when it is opened). */
    public boolean present() { return missing().isEmpty(); }

    /** The required files that are not there (all of them while the folder is absent). */
    public List<String> missing() {
        List<String> out = new ArrayList<>();
        for (ModelFolder.FileSpec f : ModelFolder.FILES) {
            if (f.required() && !Files.isRegularFile(dir.resolve(f.name()))) out.add(f.name());
        }
        return out;
    }

    /** The folder's model card, if it has a readable one. */
    public Optional<ModelCard> card() {
        try {
            return ModelCard.read(dir);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** True when the folder is there and its card does not mark the weights random. */
    public boolean trained() { return present() && card().map(ModelCard::trained).orElse(false); }

    /** The environment variable that names a default model folder for the command line. */
    public static final String MODEL_ENV = "VOICESTUDIO_MODEL";

    /**
     * The model a command uses when none is given: {@code $VOICESTUDIO_MODEL}, else the bundled
     * model when it is installed, else empty.
     */
    public static Optional<Path> defaultModel() {
        String env = System.getenv(MODEL_ENV);
        if (env != null && !env.isBlank()) return Optional.of(Path.of(env));
        BundledModel b = ofInstallation();
        return b.present() ? Optional.of(b.dir()) : Optional.empty();
    }

    /** As {@link #defaultModel()}, or an error that says how to name one. */
    public static Path requireDefaultModel(String option) {
        return defaultModel().orElseThrow(() -> new IllegalArgumentException("which model? pass " + option + " DIR (a CosyVoice3 folder) or set "
                + MODEL_ENV + "; " + ofInstallation().absence()));
    }

    /** In words, for messages: why the bundled model cannot be used. */
    public String absence() {
        return Files.isDirectory(dir) ? "the bundled model " + dir + " is incomplete (missing " + String.join(", ", missing()) + ")"
                : "the bundled model is not installed (no " + dir + ")";
    }
}
