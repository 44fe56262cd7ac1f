package org.voicestudio.app.cli;

import org.voicestudio.app.serve.SpeechServer;
import org.voicestudio.app.ui.Inference;
import org.voicestudio.app.ui.settings.Settings;
import org.voicestudio.app.ui.settings.StudioDirs;
import org.voicestudio.app.ui.synthesis.PipelineSynthesizer;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.voices.VoiceLibrary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code studio serve}: the studio's voices behind an OpenAI-compatible speech endpoint. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve an OpenAI-compatible POST /v1/audio/speech (and GET /v1/audio/voices, GET /v1/models) on this machine,",
                "so chat front ends can speak with the studio's voices. One synthesis runs at a time; others queue."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8000", description = "TCP port (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address to listen on (default ${DEFAULT-VALUE}, this machine only; another address exposes the server to the network)")
    String host;

    @Option(names = "--model", paramLabel = "DIR", description = "CosyVoice3 model folder (default: the studio's model, else the bundled demo model)")
    Path model;

    @Option(names = "--voices", paramLabel = "DIR", description = "voice library folder (default: the studio's)")
    Path voices;

    @Option(names = "--llm-engine", defaultValue = "djl", description = "engine of the LLM stage (default ${DEFAULT-VALUE})")
    String llmEngine;

    @Option(names = "--flow-engine", defaultValue = "djl", description = "engine of the flow stage (default ${DEFAULT-VALUE})")
    String flowEngine;

    @Option(names = "--vocoder-engine", defaultValue = "djl", description = "engine of the vocoder stage (default ${DEFAULT-VALUE})")
    String vocoderEngine;

    @Option(names = "--max-input", defaultValue = "" + SpeechServer.Config.MAX_INPUT_CHARS,
            description = "longest input text in characters (default ${DEFAULT-VALUE})")
    int maxInput;

    @Option(names = "--max-waiting", defaultValue = "" + SpeechServer.Config.MAX_WAITING,
            description = "requests that may queue while one synthesizes; more get 429 (default ${DEFAULT-VALUE})")
    int maxWaiting;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        InetAddress address = InetAddress.getByName(host);
        if (!address.isLoopbackAddress()) {
            err.println("warning: listening on " + host + ": anyone who can reach this machine on port " + port
                    + " can use it to synthesize; there is no authentication");
            err.flush();
        }
        StudioDirs dirs = StudioDirs.forUser();
        Settings settings = Settings.load(dirs.config().resolve("settings.json"));
        Path modelDir = model;
        if (modelDir == null && settings.modelFolder() != null) modelDir = Path.of(settings.modelFolder());
        VoiceLibrary library = voices != null ? new VoiceLibrary(voices)
                : settings.voiceFolder() != null ? new VoiceLibrary(Path.of(settings.voiceFolder())) : VoiceLibrary.userLibrary();
        if (modelDir == null) {
            org.voicestudio.app.BundledModel bundled = org.voicestudio.app.BundledModel.ofInstallation();
            if (bundled.present()) {
                modelDir = bundled.dir();
                out.println("no --model and no model in the studio's settings: using the bundled model "
                        + bundled.card().map(c -> c.name() + (c.trained() ? "" : " (random weights: it speaks noise)")).orElse(modelDir.toString()));
                var added = org.voicestudio.voices.BundledVoices.addMissing(modelDir, library);
                if (!added.made().isEmpty()) out.println("added its voices " + String.join(", ", added.made()) + " to " + library.dir());
                for (String p : added.problems()) err.println("warning: bundled voice " + p);
            } else {
                modelDir = dirs.demoModel();
                out.println("no --model and no model in the studio's settings, and " + bundled.absence()
                        + ": using the untrained demo model " + modelDir + " (it speaks noise)");
                Inference.ensureDemo(modelDir);
            }
            out.flush();
        }
        Map<Stage, String> engines = Map.of(Stage.LLM, llmEngine, Stage.FLOW, flowEngine, Stage.VOCODER, vocoderEngine);

        try (PipelineSynthesizer synth = PipelineSynthesizer.open(modelDir, id -> library.get(id)
                .orElseThrow(() -> new java.io.IOException("the voice '" + id + "' is no longer in the library " + library.dir()))
                .toVoicePrompt())) {
            out.println("loading " + modelDir + " (" + llmEngine + " / " + flowEngine + " / " + vocoderEngine + ")…");
            out.flush();
            synth.prepare(engines); // weights load now, so a bad model or engine fails before the port opens
            SpeechServer.Config config = new SpeechServer.Config(host, port, modelDir.getFileName().toString(), engines, maxInput,
                    SpeechServer.Config.MAX_BODY_BYTES, maxWaiting);
            CountDownLatch stopped = new CountDownLatch(1);
            try (SpeechServer server = SpeechServer.start(config, synth, library, line -> { out.println(line); out.flush(); })) {
                Thread hook = new Thread(stopped::countDown, "serve-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                int bound = server.address().getPort();
                out.printf("voices from %s (%d)%n", library.dir(), library.list().voices().size());
                out.printf("listening on http://%s:%d/v1 — POST /v1/audio/speech, GET /v1/audio/voices, GET /v1/models (Ctrl+C stops)%n",
                        host.contains(":") ? "[" + host + "]" : host, bound);
                out.flush();
                stopped.await();
            }
        }
        return 0;
    }
}
