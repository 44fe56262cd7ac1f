package org.voicestudio.engines.vllm;

import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.pipeline.SpeechTokenSource;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * The LLM stage on a vLLM server (or any OpenAI-compatible server that accepts token-id prompts,
 * {@code allowed_token_ids} and {@code return_token_ids}). The server must serve the checkpoint
 * that {@code ./studio export vllm} wrote from the same model folder.
 */
public final class VllmEngine implements Engine {
    private volatile Availability cached;
    private volatile long cachedAt;

    @Override public String id() { return "vllm"; }

    @Override public String displayName() { return "vLLM"; }

    @Override public Set<Stage> stages() { return Set.of(Stage.LLM); }

    /** Asks the configured server (at most every 10 s; a dead server costs one connect timeout). */
    @Override
    public Availability availability() {
        long now = System.nanoTime();
        Availability a = cached;
        if (a != null && now - cachedAt < 10_000_000_000L) return a;
        Optional<VllmSettings> settings = VllmSettings.fromEnvironment();
        if (settings.isEmpty()) {
            a = Availability.no("no vLLM server configured (set VOICESTUDIO_VLLM_URL, e.g. http://127.0.0.1:8000)");
        } else {
            try {
                settings.get().client().checkHealth();
                a = Availability.yes("vLLM at " + settings.get().url() + " serving " + settings.get().model());
            } catch (IOException e) {
                a = Availability.no(e.getMessage());
            }
        }
        cached = a;
        cachedAt = now;
        return a;
    }

    @Override
    public SpeechTokenSource loadTokenSource(ModelFolder model) throws IOException {
        VllmSettings settings = VllmSettings.fromEnvironment().orElseThrow(() ->
                new IOException("no vLLM server configured (set VOICESTUDIO_VLLM_URL)"));
        VllmClient client = settings.client();
        client.checkHealth();
        return new VllmSpeechTokenSource(client, VllmExporter.vocabulary(model.config()),
                VllmSpeechTokenSource.ServerSampling.official(model.config().llm().sampling()), model.config().tokenFrameRate());
    }
}
