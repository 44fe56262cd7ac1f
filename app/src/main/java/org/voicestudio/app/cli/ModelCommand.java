package org.voicestudio.app.cli;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.SpecialTokens;
import org.voicestudio.inference.loading.CheckpointLayout;
import org.voicestudio.inference.loading.ModelCard;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.RandomModel;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code studio model info|random}: inspect a model folder, or write one with random weights. */
@Command(name = "model", description = "Inspect a CosyVoice3 model folder or write one with random weights.",
        mixinStandardHelpOptions = true, subcommands = {ModelCommand.Info.class, ModelCommand.Random.class})
public final class ModelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Check a model folder (files, configuration, every checkpoint key and shape) and print its geometry and parameter counts.")
    static final class Info implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "the model folder (e.g. Fun-CosyVoice3-0.5B)")
        Path dir;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (ModelFolder folder = ModelFolder.open(dir)) {
                print(out, folder);
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "random", mixinStandardHelpOptions = true,
            description = "Write a complete model folder with random weights in the official layout (the ONNX files cannot be generated).")
    static final class Random implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--geometry", required = true, description = "tiny (the cv3-tiny fixture's sizes), demo (the shipped demo model's sizes, with a stand-in tokenizer) or full (Fun-CosyVoice3-0.5B)")
        String geometry;

        @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--out", required = true, description = "folder to write")
        Path out;

        @Option(names = "--force", description = "write into a folder that is not empty, replacing its model files")
        boolean force;

        @Option(names = "--dtype", defaultValue = "f32", description = "f32 or bf16 for llm.pt, flow.pt and model.safetensors (hift.pt stays f32; default: ${DEFAULT-VALUE})")
        String dtype;

        @Override
        public Integer call() throws Exception {
            DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
                case "f32", "float32" -> DType.F32;
                case "bf16", "bfloat16" -> DType.BF16;
                default -> throw new CommandLine.ParameterException(spec.commandLine(), "--dtype must be f32 or bf16, not '" + dtype + "'");
            };
            RandomModel.Geometry g;
            try {
                g = RandomModel.Geometry.named(geometry);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--geometry: " + e.getMessage());
            }
            long t0 = System.nanoTime();
            PrintWriter pw = spec.commandLine().getOut();
            RandomModel.write(out, g, seed, type, force, file -> {
                pw.printf(Locale.ROOT, "  %6.1f s  writing %s%n", (System.nanoTime() - t0) / 1e9, file);
                pw.flush();
            });
            pw.printf(Locale.ROOT, "Wrote a random-weight CosyVoice3 folder (geometry %s, seed %d, %s) to %s in %.1f s%n",
                    g.name(), seed, type == DType.BF16 ? "bfloat16" : "float32", out, (System.nanoTime() - t0) / 1e9);
            pw.println("Not generated: campplus.onnx, speech_tokenizer_v3.onnx (see MODEL_CARD.md there).");
            pw.flush();
            return 0;
        }
    }

    static void print(PrintWriter out, ModelFolder folder) {
        ModelConfig c = folder.config();
        CheckpointLayout layout = folder.layout();
        var l = c.llm();
        var f = c.flow();
        var h = c.hift();
        out.println("Model folder " + folder.dir());
        try {
            ModelCard.read(folder.dir()).ifPresent(card -> out.println("Model card: " + card.name()
                    + (card.trained() ? "" : " (random weights: it does not speak)")));
        } catch (java.io.IOException e) {
            out.println("Model card: unreadable (" + e.getMessage() + ")");
        }
        out.println("CosyVoice3: " + c.sampleRate() + " Hz, " + c.tokenFrameRate() + " tokens/s, " + c.tokenMelRatio()
                + " mel frames per token, streaming chunk " + c.chunkSize() + " tokens");
        out.printf(Locale.ROOT, "LLM   Qwen2 %d layers, hidden %d, %d heads x %d (%d KV heads), MLP %d, text vocab %d; speech vocab %d%n",
                l.numLayers(), l.hiddenSize(), l.numHeads(), l.headDim(), l.numKvHeads(), l.intermediateSize(), l.textVocabSize(), l.speechVocabSize());
        out.printf(Locale.ROOT, "      speech tokens: %d codes; sos %d, eos %d, task_id %d, fill %d; stop ids %d..%d%n",
                l.speechTokenSize(), l.sosId(), l.eosId(), l.taskId(), l.fillId(), l.speechTokenSize(), l.speechVocabSize() - 1);
        out.println("      " + tokenizerLine(folder, l.textVocabSize()));
        out.printf(Locale.ROOT, "Flow  pre-lookahead %d channels (%d tokens); DiT %d blocks, dim %d, %d heads x %d, ff x%d; %d Euler steps, CFG %.1f%n",
                f.preLookaheadChannels(), f.preLookaheadLen(), f.ditDepth(), f.ditDim(), f.ditHeads(), f.ditDimHead(), f.ditFfMult(),
                f.nTimesteps(), f.inferenceCfgRate());
        out.printf(Locale.ROOT, "HiFT  base %d channels, upsample %s x iSTFT hop %d = %d samples per mel frame, F0 cond %d%n",
                h.baseChannels(), Arrays.toString(h.upsampleRates()), h.istftHopLen(), h.samplesPerFrame(), h.f0CondChannels());

        out.println("Parameters");
        var llm = layout.llm();
        long qwenNonEmbed = llm.parameterCount(k -> k.startsWith(CheckpointLayout.QWEN_PREFIX) && !k.contains("embed_tokens"));
        out.printf(Locale.ROOT, "  %-8s %s  %s  (Qwen2 %s incl. text embedding %s; speech embedding + decoder %s; lm_head tied)%n",
                "llm.pt", count(llm.parameterCount()), dtypes(folder.llmWeights()),
                millions(llm.parameterCount(k -> k.startsWith(CheckpointLayout.QWEN_PREFIX))),
                millions(llm.parameterCount(k -> k.startsWith(CheckpointLayout.QWEN_PREFIX)) - qwenNonEmbed),
                millions(llm.parameterCount(k -> !k.startsWith(CheckpointLayout.QWEN_PREFIX))));
        var flow = layout.flow();
        long dit = flow.parameterCount(k -> k.startsWith(CheckpointLayout.ESTIMATOR_PREFIX));
        out.printf(Locale.ROOT, "  %-8s %s  %s  (DiT estimator %s; token embedding, speaker affine, pre-lookahead %s)%n",
                "flow.pt", count(flow.parameterCount()), dtypes(folder.flowWeights()), millions(dit), millions(flow.parameterCount() - dit));
        var hift = layout.hift();
        out.printf(Locale.ROOT, "  %-8s %s  %s  (weight norms stored as g + v)%n", "hift.pt", count(hift.parameterCount()), dtypes(folder.hiftWeights()));
        out.printf(Locale.ROOT, "  %-8s %s%n", "total", count(llm.parameterCount() + flow.parameterCount() + hift.parameterCount()));

        out.println("Files");
        for (ModelFolder.FileStatus s : folder.files()) {
            out.printf(Locale.ROOT, "  %-8s %-40s %10s  %s%n", s.present() ? "found" : "MISSING", s.name(),
                    s.present() ? bytes(s.bytes()) : "", s.spec().role() + (s.spec().required() ? "" : " (optional)"));
        }
        out.println("Every checkpoint key and shape matches the configuration.");
    }

    /** What the folder's text tokenizer gives: its size against the embedding rows, and the {@code <|endofprompt|>} id. */
    private static String tokenizerLine(ModelFolder folder, int textVocab) {
        java.nio.file.Path dir = folder.dir().resolve(QwenTokenizer.FOLDER);
        if (!java.nio.file.Files.isRegularFile(dir.resolve("tokenizer.json")) && !java.nio.file.Files.isRegularFile(dir.resolve("vocab.json"))) {
            return "text tokenizer: none in " + QwenTokenizer.FOLDER + " (text must be given as token ids)";
        }
        try (QwenTokenizer tok = QwenTokenizer.forModel(folder.dir())) {
            String eop = tok.specialId(SpecialTokens.END_OF_PROMPT).stream().mapToObj(Integer::toString).findFirst().orElse("missing");
            return String.format(Locale.ROOT, "text tokenizer: %d ids%s; %s = %s", tok.size(),
                    tok.size() > textVocab ? " (MORE than the " + textVocab + " embedding rows: ids past them cannot be embedded)"
                            : tok.size() < textVocab ? " (embedding has " + textVocab + " rows)" : " = embedding rows",
                    SpecialTokens.END_OF_PROMPT, eop);
        } catch (java.io.IOException | RuntimeException e) {
            return "text tokenizer: cannot be loaded: " + e.getMessage();
        }
    }

    private static String dtypes(StateDict sd) {
        Set<String> names = new TreeSet<>();
        for (Tensor t : sd.asMap().values()) names.add(switch (t.dtype()) {
            case F32 -> "float32"; case BF16 -> "bfloat16"; case F16 -> "float16"; case F64 -> "float64";
            default -> t.dtype().name().toLowerCase(Locale.ROOT);
        });
        return String.format(Locale.ROOT, "%-8s", String.join("+", names));
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,13d = %8s", n, millions(n));
    }

    private static String millions(long n) {
        return n >= 100_000 ? String.format(Locale.ROOT, "%.2fM", n / 1e6) : String.format(Locale.ROOT, "%.1fK", n / 1e3);
    }

    private static String bytes(long n) {
        if (n >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
        if (n >= 1L << 20) return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        if (n >= 1L << 10) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        return n + " B";
    }
}
