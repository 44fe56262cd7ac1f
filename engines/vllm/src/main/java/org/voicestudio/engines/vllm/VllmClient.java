package org.voicestudio.engines.vllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client for the OpenAI-compatible completions endpoint of a vLLM server, speaking token ids:
 * the prompt is a list of ids and every streamed event carries the new ids
 * ({@code return_token_ids}). Errors say what was wrong with the server in words a user can act on.
 */
public final class VllmClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String model;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final int retries;

    /** What went wrong talking to the server. */
    public static final class VllmException extends IOException {
        public VllmException(String message) { super(message); }
        public VllmException(String message, Throwable cause) { super(message, cause); }
    }

    /**
     * @param base           e.g. {@code http://127.0.0.1:8000}
     * @param requestTimeout longest wait for the response headers and between two streamed events
     * @param retries        attempts after a failed connection or a 5xx that came before any token
     */
    public VllmClient(URI base, String model, Duration connectTimeout, Duration requestTimeout, int retries) {
        this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
        this.model = model;
        this.requestTimeout = requestTimeout;
        this.retries = retries;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    public URI base() { return base; }

    public String model() { return model; }

    /** The models the server lists ({@code GET /v1/models}). */
    public List<String> models() throws VllmException {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("v1/models")).timeout(requestTimeout).GET().build();
        HttpResponse<String> resp = send(req);
        if (resp.statusCode() != 200) throw httpError(resp.statusCode(), resp.body());
        try {
            List<String> ids = new ArrayList<>();
            for (JsonNode m : JSON.readTree(resp.body()).path("data")) ids.add(m.path("id").asText());
            return ids;
        } catch (IOException e) {
            throw new VllmException("the server at " + base + " answered /v1/models with something that is not OpenAI-style JSON", e);
        }
    }

    /** Fails unless the server is up and serves {@link #model()}. */
    public void checkHealth() throws VllmException {
        List<String> served = models();
        if (!served.contains(model)) {
            throw new VllmException("the server at " + base + " serves " + served + ", not '" + model
                    + "'. Serve the Voice Studio export with --served-model-name " + model + ".");
        }
    }

    /** The sampling the server applies (it has no CosyVoice repetition-aware resampling). */
    public record Sampling(int topK, double topP, double temperature, long seed) {}

    /** Receives ids as they stream in; returns false to stop (the stream is then closed). */
    @FunctionalInterface
    public interface IdSink {
        boolean accept(int serverId) throws VllmException;
    }

    /** Why a completion ended. */
    public enum Finish { STOP, LENGTH, CANCELLED }

    /**
     * Streams a completion. Retries (connection refused, 5xx) happen only before the first id
     * arrived, so no id is ever delivered twice.
     */
    public Finish complete(int[] promptIds, int minTokens, int maxTokens, int[] stopIds, int[] allowedIds,
                           Sampling sampling, IdSink sink, AtomicReference<InputStream> openStream) throws VllmException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode prompt = body.putArray("prompt");
        for (int id : promptIds) prompt.add(id);
        body.put("max_tokens", maxTokens);
        body.put("min_tokens", minTokens);
        body.put("stream", true);
        body.put("return_token_ids", true);
        body.put("detokenize", false);
        body.put("skip_special_tokens", false);
        body.put("temperature", sampling.temperature());
        body.put("top_k", sampling.topK());
        body.put("top_p", sampling.topP());
        body.put("seed", sampling.seed());
        ArrayNode stops = body.putArray("stop_token_ids");
        for (int id : stopIds) stops.add(id);
        ArrayNode allowed = body.putArray("allowed_token_ids");
        for (int id : allowedIds) allowed.add(id);
        String json = body.toString();

        VllmException last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            HttpRequest req = HttpRequest.newBuilder(base.resolve("v1/completions")).timeout(requestTimeout)
                    .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build();
            HttpResponse<InputStream> resp;
            try {
                resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                last = connectionError(e);
                if (!(e instanceof ConnectException || e instanceof HttpConnectTimeoutException)) throw last;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Finish.CANCELLED;
            }
            if (resp.statusCode() != 200) {
                String text = readAll(resp.body());
                last = httpError(resp.statusCode(), text);
                if (resp.statusCode() >= 500) continue;
                throw last;
            }
            openStream.set(resp.body());
            StallWatchdog watchdog = new StallWatchdog(resp.body(), requestTimeout);
            try {
                return readEvents(resp.body(), sink, watchdog);
            } finally {
                watchdog.stop();
                openStream.set(null);
                try { resp.body().close(); } catch (IOException ignored) { /* closing an aborted stream */ }
            }
        }
        throw last;
    }

    /**
     * Closes the stream when no event arrived for {@code limit}: the HTTP client's own timeout
     * covers only the wait for the response headers, not a server that stalls mid-stream.
     */
    private static final class StallWatchdog {
        private final Thread thread;
        private volatile long lastEvent = System.nanoTime();
        private volatile boolean fired;

        StallWatchdog(InputStream stream, Duration limit) {
            thread = Thread.ofVirtual().name("vllm-stream-watchdog").start(() -> {
                try {
                    while (true) {
                        long idle = System.nanoTime() - lastEvent;
                        long left = limit.toNanos() - idle;
                        if (left <= 0) {
                            fired = true;
                            stream.close();
                            return;
                        }
                        Thread.sleep(Duration.ofNanos(left));
                    }
                } catch (InterruptedException | IOException e) {
                    // stopped: the stream ended normally
                }
            });
        }

        void event() { lastEvent = System.nanoTime(); }

        void stop() { thread.interrupt(); }
    }

    private Finish readEvents(InputStream in, IdSink sink, StallWatchdog watchdog) throws VllmException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                watchdog.event();
                if (!line.startsWith("data:")) continue; // blank separators, comments, other SSE fields
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) throw new VllmException("the server ended the stream without a finish reason");
                JsonNode event = JSON.readTree(data);
                if (event.has("error")) throw new VllmException("the server reported an error mid-stream: " + event.path("error").path("message").asText(event.path("error").toString()));
                JsonNode choice = event.path("choices").path(0);
                JsonNode ids = choice.path("token_ids");
                if (choice.isMissingNode()) continue;
                if (!ids.isArray()) {
                    throw new VllmException("the server does not return token ids (no 'token_ids' in its stream); it needs a vLLM whose completions API supports return_token_ids");
                }
                for (JsonNode id : ids) if (!sink.accept(id.asInt())) return Finish.CANCELLED;
                String finish = choice.path("finish_reason").asText(null);
                if (finish != null && !finish.equals("null")) return "length".equals(finish) ? Finish.LENGTH : Finish.STOP;
            }
            throw stalledOrCut(watchdog);
        } catch (VllmException e) {
            throw e;
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) return Finish.CANCELLED;
            if (watchdog.fired) throw stalledOrCut(watchdog);
            throw new VllmException("reading the stream from " + base + " failed: " + e.getMessage(), e);
        }
    }

    private VllmException stalledOrCut(StallWatchdog watchdog) {
        return watchdog.fired
                ? new VllmException("the server at " + base + " stopped sending tokens for longer than " + requestTimeout.toMillis() + " ms")
                : new VllmException("the stream from " + base + " ended before the completion finished (connection dropped or server crashed)");
    }

    private HttpResponse<String> send(HttpRequest req) throws VllmException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw connectionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VllmException("interrupted while talking to " + base);
        }
    }

    private VllmException connectionError(IOException e) {
        if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
            return new VllmException("no vLLM server answers at " + base + " (" + e.getClass().getSimpleName() + "). Is it running?", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new VllmException("the server at " + base + " did not answer within " + requestTimeout.toSeconds() + " s", e);
        }
        return new VllmException("talking to " + base + " failed: " + e, e);
    }

    private VllmException httpError(int status, String body) {
        String message = body;
        try {
            JsonNode n = JSON.readTree(body);
            if (n.has("error")) message = n.path("error").path("message").asText(n.path("error").toString());
            else if (n.has("message")) message = n.path("message").asText();
        } catch (IOException ignored) { /* not JSON: keep the raw text */ }
        if (message.length() > 400) message = message.substring(0, 400) + "…";
        return new VllmException("the server at " + base + " answered HTTP " + status + ": " + message);
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
