package org.voicestudio.app.cli;

import org.voicestudio.engines.vllm.SpeechVocabulary;
import org.voicestudio.engines.vllm.VllmExporter;
import org.voicestudio.inference.loading.ModelFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./studio export vllm --model DIR --out OUT}: the LLM as a checkpoint a stock vLLM serves. */
@Command(name = "export", description = "Write a model's stages in formats other runtimes serve.",
        subcommands = ExportCommand.Vllm.class, mixinStandardHelpOptions = true)
public final class ExportCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "vllm", mixinStandardHelpOptions = true,
            description = {"Write the LLM stage as a plain Hugging Face Qwen2 checkpoint (speech tokens after the text vocabulary)",
                    "that `vllm serve` runs without custom model code. Then:",
                    "  vllm serve OUT --served-model-name " + VllmExporter.SERVED_MODEL_NAME + " --skip-tokenizer-init --max-model-len 4096",
                    "and point Voice Studio at it: VOICESTUDIO_VLLM_URL=http://127.0.0.1:8000 ./studio"})
    static final class Vllm implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "CosyVoice3 model folder") Path model;
        @Option(names = "--out", required = true, description = "folder to write the checkpoint to") Path out;
        @Option(names = "--dtype", defaultValue = "bf16", description = "bf16 (as the official export) or f32") String dtype;

        @Override
        public Integer call() throws Exception {
            VllmExporter.Precision precision = switch (dtype.toLowerCase()) {
                case "bf16", "bfloat16" -> VllmExporter.Precision.BF16;
                case "f32", "fp32", "float32" -> VllmExporter.Precision.F32;
                default -> throw new IllegalArgumentException("--dtype must be bf16 or f32, not '" + dtype + "'");
            };
            try (ModelFolder folder = ModelFolder.open(model)) {
                long t0 = System.nanoTime();
                VllmExporter.export(folder, out, precision);
                SpeechVocabulary v = VllmExporter.vocabulary(folder.config());
                System.out.printf("wrote %s in %.1f s%n", out, (System.nanoTime() - t0) / 1e9);
                System.out.printf("vocabulary: text ids 0..%d, speech ids %d..%d (sos %d, task_id %d, stop ids %d..%d), padded to %d%n",
                        v.speechOffset() - 1, v.speechOffset(), v.speechOffset() + v.speechVocabSize() - 1, v.sosServerId(),
                        v.taskIdServerId(), v.stopServerIds()[0], v.stopServerIds()[v.stopServerIds().length - 1], v.paddedVocabSize());
                System.out.println("serve it with:");
                System.out.println("  vllm serve " + out + " --served-model-name " + VllmExporter.SERVED_MODEL_NAME
                        + " --skip-tokenizer-init --max-model-len 4096");
                System.out.println("check it with:");
                System.out.println("  ./studio doctor --engine vllm --url http://127.0.0.1:8000 --model " + model);
            }
            return 0;
        }
    }
}
