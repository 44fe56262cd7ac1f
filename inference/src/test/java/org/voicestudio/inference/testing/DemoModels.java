package org.voicestudio.inference.testing;

import org.voicestudio.inference.audio.WavIo;
import org.voicestudio.inference.loading.RandomModel;
import org.voicestudio.inference.tensor.DType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The demo model in tests. {@link #bundled()} is the trained folder shipped at the repository root
 * ({@code models/cosyvoice3-demo/}), when it is there. {@link #standIn} writes a folder of the same
 * geometry with random weights that can also make voices: the golden fixture's {@code
 * campplus.onnx} (its inputs and outputs are the real encoder's) and a random 512-code speech
 * tokenizer ({@code demo-speech-tokenizer.onnx}, made by {@code make_demo_speech_tokenizer.py} beside it).
 */
public final class DemoModels {
    public static final String BUNDLED = "models/cosyvoice3-demo";

    private DemoModels() {}

    /** The repository root: the outermost ancestor of the working directory that has a {@code pom.xml}. */
    public static Path repositoryRoot() {
        Path root = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml"))) root = p;
        }
        if (root == null) throw new IllegalStateException("no pom.xml above " + Path.of("").toAbsolutePath());
        return root;
    }

    /** The bundled trained demo model, if its folder has the model files. */
    public static Optional<Path> bundled() {
        Path dir = repositoryRoot().resolve(BUNDLED);
        return Files.isRegularFile(dir.resolve("cosyvoice3.yaml")) && Files.isRegularFile(dir.resolve("llm.pt")) ? Optional.of(dir) : Optional.empty();
    }

    /** Why a test of the bundled model is skipped. */
    public static String bundledAbsence() {
        return "the trained demo model is not in " + repositoryRoot().resolve(BUNDLED) + " yet (issue 8: its files come from the GPU training run)";
    }

    /** A random-weight folder of the demo geometry with both ONNX prompt encoders. */
    public static Path standIn(Path dir, long seed) throws IOException {
        RandomModel.write(dir, RandomModel.Geometry.DEMO, seed, DType.F32);
        Files.copy(Golden.tinyModel().resolve("campplus.onnx"), dir.resolve("campplus.onnx"), StandardCopyOption.REPLACE_EXISTING);
        try (InputStream in = DemoModels.class.getResourceAsStream("demo-speech-tokenizer.onnx")) {
            if (in == null) throw new IllegalStateException("demo-speech-tokenizer.onnx is missing from the test class path");
            Files.copy(in, dir.resolve("speech_tokenizer_v3.onnx"), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }

    /**
     * Adds a bundled voice {@code voices/<id>/} to a folder: the golden 1.3 s chirp three times over
     * (a voice needs 3-30 s) as {@code prompt.wav}, the transcript, and {@code voice.json}.
     */
    public static void addVoice(Path modelDir, String id, String name, String language, String transcript) throws IOException {
        Path v = Files.createDirectories(modelDir.resolve("voices").resolve(id));
        float[] chirp = Golden.tensor("fe_wave_24k").toFloats();
        float[] rec = new float[3 * chirp.length];
        for (int i = 0; i < 3; i++) System.arraycopy(chirp, 0, rec, i * chirp.length, chirp.length);
        WavIo.writePcm16(v.resolve("prompt.wav"), 24000, rec);
        Files.writeString(v.resolve("prompt.txt"), transcript + "\n", StandardCharsets.UTF_8);
        Files.writeString(v.resolve("voice.json"), "{\"name\": \"" + name + "\", \"language\": \"" + language + "\"}\n", StandardCharsets.UTF_8);
    }
}
