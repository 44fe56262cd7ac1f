package org.voicestudio.voices;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.voicestudio.engines.onnxruntime.CampPlusEncoder;
import org.voicestudio.engines.onnxruntime.S3SpeechTokenizer;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.frontend.QwenTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Voices a model folder ships as recordings: {@code voices/<id>/prompt.wav} (3-30 s), {@code
 * prompt.txt} (its transcript, word for word) and {@code voice.json} ({@code {"name": "Lucía",
 * "language": "es"}}; both optional: the id and "" by default). They are made into library voices
 * through the normal voice creation (the folder's CAM++ encoder, speech tokenizer and text
 * tokenizer), once: the library remembers which bundled voices it has made in {@value #MADE_FILE},
 * so a voice the user removed is not made again.
 */
public final class BundledVoices {
    public static final String FOLDER = "voices";
    public static final String WAV = "prompt.wav", TRANSCRIPT = "prompt.txt", META = "voice.json";
    /** In the library folder: one line per bundled voice already made ({@code <model folder name>/<id>}). */
    public static final String MADE_FILE = ".bundled-voices";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A bundled voice as its folder describes it. */
    public record Bundled(String id, String name, String language, Path wav, String transcript) {}

    /** What {@link #addMissing} did: voices made, voices skipped because they exist, and problems per voice. */
    public record Outcome(List<String> made, List<String> present, List<String> problems) {
        public Outcome {
            made = List.copyOf(made);
            present = List.copyOf(present);
            problems = List.copyOf(problems);
        }
    }

    private BundledVoices() {}

    /** The bundled voices of {@code modelDir}, sorted by id; a voice folder that is incomplete is an error naming it. */
    public static List<Bundled> list(Path modelDir) throws IOException {
        Path root = modelDir.resolve(FOLDER);
        List<Bundled> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root, Files::isDirectory)) {
            s.forEach(dirs::add);
        }
        dirs.sort(null);
        for (Path d : dirs) {
            String id = d.getFileName().toString();
            Path wav = d.resolve(WAV), txt = d.resolve(TRANSCRIPT);
            if (!Files.isRegularFile(wav) || !Files.isRegularFile(txt)) {
                throw new IOException(d + ": a bundled voice needs " + WAV + " and " + TRANSCRIPT);
            }
            String transcript = Files.readString(txt, StandardCharsets.UTF_8).strip();
            if (transcript.isEmpty()) throw new IOException(txt + " is empty; it must hold what " + WAV + " says");
            String name = id, language = "";
            Path meta = d.resolve(META);
            if (Files.isRegularFile(meta)) {
                JsonNode m = JSON.readTree(meta.toFile());
                if (m == null || !m.isObject()) throw new IOException(meta + ": expected a JSON object with \"name\" and \"language\"");
                name = m.path("name").asText(id).strip();
                language = m.has("language") ? m.path("language").asText("") : m.path("lang").asText("");
                if (name.isEmpty()) name = id;
            }
            out.add(new Bundled(id, name, language.strip(), wav, transcript));
        }
        return out;
    }

    /**
     * Makes every bundled voice of {@code modelDir} that {@code library} has not made before and
     * does not hold under its name. A voice that fails is reported in the outcome; the others are
     * still made.
     */
    public static Outcome addMissing(Path modelDir, VoiceLibrary library) throws IOException {
        List<Bundled> bundled = list(modelDir);
        List<String> made = new ArrayList<>(), present = new ArrayList<>(), problems = new ArrayList<>();
        if (bundled.isEmpty()) return new Outcome(made, present, problems);
        Path madeFile = library.dir().resolve(MADE_FILE);
        Set<String> done = new LinkedHashSet<>(Files.isRegularFile(madeFile) ? Files.readAllLines(madeFile, StandardCharsets.UTF_8) : List.of());
        String prefix = modelDir.toAbsolutePath().normalize().getFileName() + "/";
        List<Bundled> todo = new ArrayList<>();
        for (Bundled b : bundled) {
            if (done.contains(prefix + b.id()) || library.get(b.name()).isPresent()) present.add(b.name());
            else todo.add(b);
        }
        if (todo.isEmpty()) return new Outcome(made, present, problems);
        try (QwenTokenizer text = QwenTokenizer.forModel(modelDir);
             CampPlusEncoder speaker = CampPlusEncoder.forModel(modelDir);
             S3SpeechTokenizer speech = S3SpeechTokenizer.forModel(modelDir)) {
            VoiceCreator creator = new VoiceCreator(ModelConfigReader.read(modelDir).featExtractor(), speaker, speech, text::encode, RecordingCheck.DEFAULT);
            for (Bundled b : todo) {
                try {
                    VoiceCreator.Result r = creator.create(b.name(), b.language(), b.transcript(), Recordings.read(b.wav()));
                    library.save(r.voice(), false);
                    made.add(b.name());
                    done.add(prefix + b.id());
                } catch (IOException | RuntimeException | RecordingCheck.BadRecordingException e) {
                    problems.add(b.id() + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
                }
            }
        }
        Files.createDirectories(library.dir());
        Files.write(madeFile, done, StandardCharsets.UTF_8);
        return new Outcome(made, present, problems);
    }
}
