package org.voicestudio.app.cli;

import org.voicestudio.engines.vllm.VllmClient;
import org.voicestudio.engines.vllm.VllmExporter;
import org.voicestudio.engines.vllm.VllmSettings;
import org.voicestudio.engines.vllm.VllmSpeechTokenSource;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.loading.ModelFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./studio doctor --engine ID}: checks on this machine that an engine can run and says
 * what is missing. For vLLM it talks to the server: lists its models, then streams a short
 * completion and checks that the ids that come back are speech tokens of the model.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, description = {"Check that an engine works on this machine.",
        "  doctor                                   availability of every engine",
        "  doctor --engine vllm --url U [--model DIR]   talk to a vLLM server, stream a test completion",
        "  doctor --engine tensorrt --model DIR [--golden F]   build the TensorRT plans, check parity, benchmark"})
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--engine", description = "engine id (default: all engines, availability only)") String engine;
    @Option(names = "--url", description = "vLLM server, e.g. http://127.0.0.1:8000") URI url;
    @Option(names = "--served-model-name", defaultValue = VllmExporter.SERVED_MODEL_NAME, description = "model name the server serves") String servedName;
    @Option(names = "--model", description = "the CosyVoice3 model folder the server's export came from (for a test completion)") Path model;
    @Option(names = "--tokens", defaultValue = "50", description = "length of the test completion") int tokens;
    @Option(names = "--golden", description = "golden.safetensors of cv3-tiny, for the TensorRT parity check") Path golden;

    @Override
    public Integer call() throws Exception {
        if (engine == null) {
            for (Engine e : Engines.all()) print(e.id(), e.availability());
            return 0;
        }
        if (engine.equals("tensorrt")) {
            if (model == null) throw new IllegalArgumentException("give --model DIR (cv3-tiny with --golden for parity)");
            return org.voicestudio.engines.tensorrt.TensorRtDoctor.run(model, golden, System.out); // 0 ok, 1 check failed, 2 unavailable
        }
        if (!engine.equals("vllm")) {
            Availability a = Engines.require(engine).availability();
            print(engine, a);
            return a.available() ? 0 : 1;
        }
        VllmSettings settings = url != null ? VllmSettings.of(url, servedName)
                : VllmSettings.fromEnvironment().orElseThrow(() -> new IllegalArgumentException("give --url or set VOICESTUDIO_VLLM_URL"));
        VllmClient client = settings.client();
        System.out.println("server      " + client.base());
        System.out.println("models      " + client.models());
        client.checkHealth();
        System.out.println("serves      " + client.model() + "  OK");
        if (model == null) {
            System.out.println("(give --model DIR to run a test completion)");
            return 0;
        }
        try (ModelFolder folder = ModelFolder.open(model)) {
            var vocab = VllmExporter.vocabulary(folder.config());
            VllmSpeechTokenSource source = new VllmSpeechTokenSource(client, vocab,
                    VllmSpeechTokenSource.ServerSampling.official(folder.config().llm().sampling()), folder.config().tokenFrameRate());
            int textLen = Math.max(1, (tokens + 1) / 2);
            int[] text = new int[textLen];
            Arrays.fill(text, Math.min(100, vocab.textVocabSize() - 1));
            List<Integer> got = new ArrayList<>();
            long t0 = System.nanoTime();
            long[] first = {0};
            source.generate(new int[0], text, new int[0], 1, t -> { if (got.isEmpty()) first[0] = System.nanoTime(); got.add(t); },
                    e -> {}, () -> got.size() >= tokens);
            long t1 = System.nanoTime();
            System.out.println("sampling    " + source.sampling().description());
            System.out.printf("completion  %d speech tokens, first after %.0f ms, then %.2f ms/token  OK%n", got.size(),
                    (first[0] - t0) / 1e6, got.size() > 1 ? (t1 - first[0]) / 1e6 / (got.size() - 1) : Double.NaN);
        }
        return 0;
    }

    private static void print(String id, Availability a) {
        System.out.printf("%-12s %s  %s%n", id, a.available() ? "available  " : "unavailable", a.reason());
    }
}
