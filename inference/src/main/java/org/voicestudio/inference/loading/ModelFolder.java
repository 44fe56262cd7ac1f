package org.voicestudio.inference.loading;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.tensor.StateDict;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A CosyVoice3 model folder as users download it (reference §1): {@code cosyvoice3.yaml},
 * {@code llm.pt}, {@code flow.pt}, {@code hift.pt}, the two ONNX files, optional
 * {@code spk2info.pt} and {@code CosyVoice-BlankEN/}. Checkpoints are opened lazily (memory-mapped)
 * and closed with the folder; {@code hift.pt}'s weight norms come fused.
 */
public final class ModelFolder implements AutoCloseable {
    private final Path dir;
    private final ModelConfig config;
    private StateDict llm, flow, hift;

    public ModelFolder(Path dir, ModelConfig config) {
        this.dir = dir;
        this.config = config;
    }

    public Path dir() { return dir; }

    public ModelConfig config() { return config; }

    public Path file(String name) { return dir.resolve(name); }

    public synchronized StateDict llmWeights() { return llm != null ? llm : (llm = read("llm.pt", false)); }

    public synchronized StateDict flowWeights() { return flow != null ? flow : (flow = read("flow.pt", false)); }

    /** {@code hift.pt} with {@code parametrizations.weight.original0/1} fused into {@code .weight}. */
    public synchronized StateDict hiftWeights() { return hift != null ? hift : (hift = read("hift.pt", true)); }

    private StateDict read(String name, boolean fuseWeightNorm) {
        try {
            StateDict sd = PtReader.readStateDict(dir.resolve(name));
            return fuseWeightNorm ? WeightNorm.fuse(sd) : sd;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        for (StateDict sd : new StateDict[] {llm, flow, hift}) if (sd != null) sd.close();
        llm = flow = hift = null;
    }
}
