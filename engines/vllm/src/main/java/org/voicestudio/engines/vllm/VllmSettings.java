package org.voicestudio.engines.vllm;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the vLLM server is: system property {@code voicestudio.vllm.url} or environment variable
 * {@code VOICESTUDIO_VLLM_URL} (the studio's settings set the property), and the served model
 * name (default {@link VllmExporter#SERVED_MODEL_NAME}).
 */
public record VllmSettings(URI url, String model, Duration connectTimeout, Duration requestTimeout, int retries) {

    public static Optional<VllmSettings> fromEnvironment() {
        String url = System.getProperty("voicestudio.vllm.url", System.getenv("VOICESTUDIO_VLLM_URL"));
        if (url == null || url.isBlank()) return Optional.empty();
        String model = System.getProperty("voicestudio.vllm.model", Optional.ofNullable(System.getenv("VOICESTUDIO_VLLM_MODEL")).orElse(VllmExporter.SERVED_MODEL_NAME));
        return Optional.of(of(URI.create(url.trim()), model));
    }

    public static VllmSettings of(URI url, String model) {
        return new VllmSettings(url, model, Duration.ofSeconds(3), Duration.ofSeconds(60), 2);
    }

    public VllmClient client() {
        return new VllmClient(url, model, connectTimeout, requestTimeout, retries);
    }
}
