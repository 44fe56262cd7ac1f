package org.voicestudio.inference.loading;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CosyVoice3 model folder as users download it (reference §1): {@code cosyvoice3.yaml},
 * {@code llm.pt}, {@code flow.pt}, {@code hift.pt}, the two ONNX files, optional
 * {@code spk2info.pt} and {@code CosyVoice-BlankEN/}. {@link #open} reads the configuration and
 * checks every checkpoint key and shape against the {@link CheckpointLayout} the configuration
 * implies. Checkpoints are memory-mapped and closed with the folder; {@code hift.pt}'s weight norms
 * come fused.
 */
public final class ModelFolder implements AutoCloseable {

    /** A file of the official layout and what it is for. */
    public record FileSpec(String name, boolean required, String role) {}

    /** A file of the official layout as found in a folder. */
    public record FileStatus(FileSpec spec, boolean present, long bytes) {
        public String name() { return spec.name(); }
    }

    public static final List<FileSpec> FILES = List.of(
            new FileSpec(ModelConfigReader.YAML, true, "model configuration"),
            new FileSpec(CheckpointLayout.LLM, true, "LLM checkpoint (CosyVoice3LM)"),
            new FileSpec(CheckpointLayout.FLOW, true, "flow-matching checkpoint (CausalMaskedDiffWithDiT)"),
            new FileSpec(CheckpointLayout.HIFT, true, "vocoder checkpoint (CausalHiFTGenerator)"),
            new FileSpec(ModelConfigReader.QWEN_CONFIG, true, "Qwen2 backbone geometry"),
            new FileSpec("campplus.onnx", false, "speaker encoder; needed to create voices"),
            new FileSpec("speech_tokenizer_v3.onnx", false, "speech tokenizer; needed to create voices"),
            new FileSpec("spk2info.pt", false, "built-in voices"),
            new FileSpec(CheckpointLayout.QWEN_SAFETENSORS, false, "HF copy of the backbone weights (llm.pt overrides them)"),
            new FileSpec("CosyVoice-BlankEN/vocab.json", false, "text tokenizer vocabulary"),
            new FileSpec("CosyVoice-BlankEN/merges.txt", false, "text tokenizer merges"),
            new FileSpec("CosyVoice-BlankEN/tokenizer_config.json", false, "text tokenizer settings"),
            new FileSpec(ModelCard.FILE, false, "model card: name, and whether the weights are trained"));

    /** Problems listed in one exception message at most. */
    private static final int MAX_LISTED = 20;

    private final Path dir;
    private final ModelConfig config;
    private StateDict llm, flow, hiftRaw, hift;

    /** A folder whose configuration is already known; nothing is checked, checkpoints are read on first use. */
    public ModelFolder(Path dir, ModelConfig config) {
        this.dir = dir;
        this.config = config;
    }

    /**
     * Opens and checks a model folder: required files present, configuration complete and
     * consistent, every checkpoint key and shape as the configuration implies.
     */
    public static ModelFolder open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new ModelFolderException(dir + " is not a folder");
        List<String> missing = new ArrayList<>();
        for (FileSpec f : FILES) {
            if (f.required() && !Files.isRegularFile(dir.resolve(f.name()))) missing.add(f.name() + " (" + f.role() + ")");
        }
        if (!missing.isEmpty()) throw new ModelFolderException(dir + ": missing " + String.join(", ", missing));
        ModelConfig config = ModelConfigReader.read(dir);
        CheckpointLayout layout = CheckpointLayout.of(config);
        ModelFolder folder = new ModelFolder(dir, config);
        try {
            folder.llm = checked(dir, layout.llm(), false);
            folder.flow = checked(dir, layout.flow(), false);
            folder.hiftRaw = checked(dir, layout.hift(), true);
            Path qwen = dir.resolve(CheckpointLayout.QWEN_SAFETENSORS);
            if (Files.isRegularFile(qwen)) {
                try (StateDict sd = SafeTensors.read(qwen)) {
                    throwIfAny(dir, CheckpointLayout.check(layout.qwenSafetensors(), sd));
                }
            }
            return folder;
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    private static StateDict checked(Path dir, CheckpointLayout.FileLayout layout, boolean hift) throws IOException {
        StateDict read = PtReader.readStateDict(dir.resolve(layout.file()));
        StateDict sd = hift ? withoutGeneratorPrefix(read) : read;
        try {
            throwIfAny(dir, CheckpointLayout.check(layout, sd));
            return sd;
        } catch (IOException | RuntimeException e) {
            sd.close();
            throw e;
        }
    }

    private static void throwIfAny(Path dir, List<String> problems) throws ModelFolderException {
        if (problems.isEmpty()) return;
        StringBuilder sb = new StringBuilder(dir + ": the checkpoints do not match " + ModelConfigReader.YAML + ":");
        for (String p : problems.subList(0, Math.min(MAX_LISTED, problems.size()))) sb.append("\n  ").append(p);
        if (problems.size() > MAX_LISTED) sb.append("\n  ... and ").append(problems.size() - MAX_LISTED).append(" more");
        throw new ModelFolderException(sb.toString());
    }

    public Path dir() { return dir; }

    public ModelConfig config() { return config; }

    public Path file(String name) { return dir.resolve(name); }

    /** The keys and shapes this folder's configuration implies. */
    public CheckpointLayout layout() { return CheckpointLayout.of(config); }

    /** Every file of the official layout, present or not. */
    public List<FileStatus> files() { return files(dir); }

    public static List<FileStatus> files(Path dir) {
        List<FileStatus> out = new ArrayList<>();
        for (FileSpec f : FILES) {
            Path p = dir.resolve(f.name());
            long size = -1;
            try {
                if (Files.isRegularFile(p)) size = Files.size(p);
            } catch (IOException ignored) {
                // unreadable: reported as missing
            }
            out.add(new FileStatus(f, size >= 0, size));
        }
        return out;
    }

    public synchronized StateDict llmWeights() { return llm != null ? llm : (llm = read(CheckpointLayout.LLM)); }

    public synchronized StateDict flowWeights() { return flow != null ? flow : (flow = read(CheckpointLayout.FLOW)); }

    /** {@code hift.pt} with {@code parametrizations.weight.original0/1} fused into {@code .weight}. */
    public synchronized StateDict hiftWeights() {
        if (hift == null) {
            StateDict raw = hiftRaw != null ? hiftRaw : withoutGeneratorPrefix(read(CheckpointLayout.HIFT));
            hiftRaw = null; // the fused dict owns the mapping now
            hift = WeightNorm.fuse(raw);
        }
        return hift;
    }

    /**
     * {@code hift.pt} saved from the GAN wrapper names its keys {@code generator.*}; the official
     * loader strips that ({@code k.replace('generator.', '')}), and so does this.
     */
    static StateDict withoutGeneratorPrefix(StateDict sd) {
        if (sd.keys().stream().noneMatch(k -> k.contains(GENERATOR))) return sd;
        java.util.LinkedHashMap<String, org.voicestudio.inference.tensor.Tensor> renamed = new java.util.LinkedHashMap<>();
        sd.asMap().forEach((k, v) -> renamed.put(k.replace(GENERATOR, ""), v));
        return sd.withTensors(renamed);
    }

    private static final String GENERATOR = "generator.";

    private StateDict read(String name) {
        try {
            return PtReader.readStateDict(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        for (StateDict sd : new StateDict[] {llm, flow, hiftRaw, hift}) if (sd != null) sd.close();
        llm = flow = hiftRaw = hift = null;
    }

    /** A model folder is incomplete or its files disagree with each other. */
    public static final class ModelFolderException extends IOException {
        public ModelFolderException(String message) {
            super(message);
        }
    }
}
