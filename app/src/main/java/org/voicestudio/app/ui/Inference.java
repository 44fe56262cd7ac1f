package org.voicestudio.app.ui;

import org.voicestudio.app.BundledModel;
import org.voicestudio.app.ui.model.ModelViewModel;
import org.voicestudio.app.ui.synthesis.PipelineSynthesizer;
import org.voicestudio.inference.pipeline.VoicePrompt;
import org.voicestudio.app.ui.voices.VoiceItem;
import org.voicestudio.app.ui.voices.VoiceSource;
import org.voicestudio.voices.VoiceLibrary;
import org.voicestudio.inference.loading.RandomModel;
import org.voicestudio.inference.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where the studio meets {@code inference/}: how a model folder becomes a
 * {@link org.voicestudio.app.ui.synthesis.Synthesizer} and how the untrained demo model is made.
 */
public final class Inference {
    private Inference() {}

    /** Seed of the demo model's random weights: every first run makes the same model. */
    static final long DEMO_SEED = 0;

    /**
     * Opens a model folder for synthesis: the loader's own checks (files, configuration, every
     * checkpoint key and shape), then the pipeline over the engines chosen per request.
     */
    static ModelViewModel.Loader loader(java.util.function.Supplier<Path> voiceFolder) {
        return folder -> PipelineSynthesizer.open(folder, id -> voicePrompt(voiceFolder.get(), id));
    }

    /** A library voice's prompt. */
    static VoicePrompt voicePrompt(Path library, String id) throws IOException {
        return new VoiceLibrary(library).get(id)
                .orElseThrow(() -> new IOException("the voice '" + id + "' is no longer in the library " + library))
                .toVoicePrompt();
    }

    /** Why {@code modelFolder} cannot make voices (it lacks the prompt encoders or a tokenizer), or null. */
    static String voiceMakingProblem(Path modelFolder) {
        java.util.List<String> missing = new java.util.ArrayList<>();
        if (!Files.isRegularFile(modelFolder.resolve(org.voicestudio.engines.onnxruntime.CampPlusEncoder.FILE))) missing.add(org.voicestudio.engines.onnxruntime.CampPlusEncoder.FILE);
        if (!Files.isRegularFile(modelFolder.resolve(org.voicestudio.engines.onnxruntime.S3SpeechTokenizer.FILE))) missing.add(org.voicestudio.engines.onnxruntime.S3SpeechTokenizer.FILE);
        Path tok = modelFolder.resolve(org.voicestudio.inference.frontend.QwenTokenizer.FOLDER);
        if (!Files.isRegularFile(tok.resolve("tokenizer.json")) && !Files.isRegularFile(tok.resolve("vocab.json"))) missing.add("a text tokenizer in " + tok.getFileName());
        return missing.isEmpty() ? null : "Making a voice needs " + String.join(", ", missing) + ", which this model folder does not have";
    }

    /** Makes voices as {@code studio voices add} does: CAM++ embedding, S3 speech tokens, prompt mel, into {@code library}. */
    static org.voicestudio.app.ui.voices.VoiceMaker voiceMaker(Path modelFolder, Path library) {
        return (name, language, transcript, recording) -> {
            VoiceLibrary lib = new VoiceLibrary(library);
            if (lib.get(name).isPresent()) throw new IllegalArgumentException("a voice named '" + name + "' already exists");
            org.voicestudio.voices.Recordings.Loaded rec = org.voicestudio.voices.Recordings.read(recording);
            try (var tok = org.voicestudio.inference.frontend.QwenTokenizer.forModel(modelFolder);
                 var encoder = org.voicestudio.engines.onnxruntime.CampPlusEncoder.forModel(modelFolder);
                 var speech = org.voicestudio.engines.onnxruntime.S3SpeechTokenizer.forModel(modelFolder)) {
                var creator = new org.voicestudio.voices.VoiceCreator(org.voicestudio.inference.config.ModelConfigReader.read(modelFolder).featExtractor(),
                        encoder, speech, tok::encode, org.voicestudio.voices.RecordingCheck.DEFAULT);
                var made = creator.create(name, language, transcript, rec);
                lib.save(made.voice(), false);
                return new org.voicestudio.app.ui.voices.VoiceMaker.Made(made.voice().name(), made.warnings());
            } catch (org.voicestudio.voices.RecordingCheck.BadRecordingException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        };
    }

    /** The voice library in {@code folder}. */
    static org.voicestudio.app.ui.voices.VoiceSource voices(Path folder) {
        return () -> {
            VoiceLibrary.Listing listing = new VoiceLibrary(folder).list();
            return new VoiceSource.Listing(
                    listing.voices().stream().map(v -> new VoiceItem(v.name(), v.name(),
                            (v.language().isEmpty() ? "" : v.language() + " · ") + String.format(java.util.Locale.ROOT, "%.1f s reference", v.promptSeconds()))).toList(),
                    listing.problems().stream().map(p -> p.file().getFileName() + ": " + p.message()).toList());
        };
    }

    /** The demo model of this installation: {@link #demoMaker(BundledModel)} of {@link BundledModel#ofInstallation()}. */
    static ModelViewModel.DemoMaker demoMaker() {
        return demoMaker(BundledModel.ofInstallation());
    }

    /**
     * The bundled model when it is installed (used in place, read-only; its model card names it and
     * says whether it is trained). Otherwise the tiny random-weight CosyVoice3 model (what {@code
     * ./studio model random --geometry tiny} writes) is made on first run, and the studio says why.
     * It is written next to its final place and moved there at the end, so an interrupted first run
     * never leaves half a model behind.
     */
    static ModelViewModel.DemoMaker demoMaker(BundledModel bundled) {
        return folder -> {
            if (bundled.present()) {
                var card = bundled.card();
                boolean trained = card.map(org.voicestudio.inference.loading.ModelCard::trained).orElse(false);
                String label = card.map(c -> c.trained() ? c.name() : ModelViewModel.Demo.UNTRAINED)
                        .orElse("Bundled model " + bundled.dir().getFileName() + " (no " + org.voicestudio.inference.loading.ModelCard.FILE + ")");
                return new ModelViewModel.Demo(bundled.dir(), label, trained, null);
            }
            ensureDemo(folder);
            return ModelViewModel.Demo.generated(folder, "Using an untrained demo model (random weights, its output is noise): " + bundled.absence());
        };
    }

    /** Adds the bundled voices of {@code modelFolder} the library has not had yet. */
    static StudioViewModel.Added addBundledVoices(Path modelFolder, Path library) throws IOException {
        var outcome = org.voicestudio.voices.BundledVoices.addMissing(modelFolder, new VoiceLibrary(library));
        return new StudioViewModel.Added(outcome.made(), describe(outcome));
    }

    private static String describe(org.voicestudio.voices.BundledVoices.Outcome outcome) {
        if (outcome.made().isEmpty() && outcome.problems().isEmpty()) return null;
        StringBuilder sb = new StringBuilder();
        if (!outcome.made().isEmpty()) sb.append("Added the bundled voices ").append(String.join(", ", outcome.made()));
        if (!outcome.problems().isEmpty()) {
            sb.append(sb.isEmpty() ? "" : "; ").append("could not add ").append(String.join("; ", outcome.problems()));
        }
        return sb.toString();
    }

    public static void ensureDemo(Path folder) throws IOException {
        if (Files.isRegularFile(folder.resolve("cosyvoice3.yaml")) && Files.isRegularFile(folder.resolve("hift.pt"))) return;
        Path tmp = folder.resolveSibling(folder.getFileName() + ".partial");
        deleteTree(tmp);
        RandomModel.write(tmp, RandomModel.Geometry.TINY, DEMO_SEED, DType.F32);
        deleteTree(folder);
        Files.createDirectories(folder.getParent());
        Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
