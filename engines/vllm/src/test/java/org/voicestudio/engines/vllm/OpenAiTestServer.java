package org.voicestudio.engines.vllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible completions server on loopback that serves an export the way vLLM does
 * (token-id prompts, {@code allowed_token_ids}, {@code min_tokens}, {@code stop_token_ids},
 * {@code return_token_ids}, SSE streaming), computing with {@link ExportedQwen2}. Sampling: greedy
 * when {@code top_k} is 1, else seeded top-k from the softmax over the allowed ids. Faults can be
 * switched on to test the client: HTTP 500s, a stream cut short, a slow server, another model.
 */
public final class OpenAiTestServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    private final ExportedQwen2 model;
    private final String servedName;
    final AtomicInteger failuresToSend = new AtomicInteger();
    volatile int cutStreamAfter = -1;
    volatile long delayPerTokenMillis = 0;
    /** When set, every streamed id is this one (a server serving another vocabulary). */
    volatile Integer forcedId = null;
    final AtomicInteger completions = new AtomicInteger();

    public OpenAiTestServer(Path export, String servedName) throws IOException {
        this.model = export == null ? null : new ExportedQwen2(export);
        this.servedName = servedName;
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.createContext("/v1/models", this::models);
        http.createContext("/v1/completions", this::completions);
        http.start();
    }

    public URI url() { return URI.create("http://127.0.0.1:" + http.getAddress().getPort()); }

    private void models(HttpExchange ex) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("object", "list");
        body.putArray("data").addObject().put("id", servedName).put("object", "model");
        send(ex, 200, body.toString());
    }

    private void completions(HttpExchange ex) throws IOException {
        completions.incrementAndGet();
        if (failuresToSend.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            send(ex, 500, "{\"error\":{\"message\":\"engine busy (test fault)\"}}");
            return;
        }
        JsonNode req;
        try {
            req = JSON.readTree(ex.getRequestBody());
        } catch (IOException e) {
            send(ex, 400, "{\"error\":{\"message\":\"invalid JSON\"}}");
            return;
        }
        if (!servedName.equals(req.path("model").asText())) {
            send(ex, 404, "{\"error\":{\"message\":\"The model `" + req.path("model").asText() + "` does not exist.\"}}");
            return;
        }
        if (!req.path("prompt").isArray() || req.path("prompt").isEmpty()) {
            send(ex, 400, "{\"error\":{\"message\":\"prompt must be a list of token ids\"}}");
            return;
        }
        int[] prompt = ints(req.path("prompt"));
        for (int id : prompt) {
            if (id < 0 || id >= model.vocabSize) {
                send(ex, 400, "{\"error\":{\"message\":\"token id " + id + " out of vocabulary\"}}");
                return;
            }
        }
        int maxTokens = req.path("max_tokens").asInt(16);
        int minTokens = req.path("min_tokens").asInt(0);
        Set<Integer> stops = set(req.path("stop_token_ids"));
        Set<Integer> allowed = req.has("allowed_token_ids") ? set(req.path("allowed_token_ids")) : null;
        int topK = req.path("top_k").asInt(-1);
        Random random = new Random(req.path("seed").asLong(0));

        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody(); ExportedQwen2.Sequence seq = model.start()) {
            seq.feed(prompt);
            for (int n = 0; n < maxTokens; n++) {
                if (n == cutStreamAfter) return; // connection closes without a finish reason
                int id = forcedId != null ? forcedId : sample(seq.logits(), allowed, n < minTokens ? stops : Set.of(), topK, random);
                boolean stop = stops.contains(id);
                String finish = stop ? "stop" : n + 1 == maxTokens ? "length" : null;
                ObjectNode event = JSON.createObjectNode().put("object", "text_completion").put("model", servedName);
                ObjectNode choice = event.putArray("choices").addObject().put("index", 0).put("text", "");
                choice.putArray("token_ids").add(id);
                if (finish == null) choice.putNull("finish_reason"); else choice.put("finish_reason", finish);
                out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (finish != null) break;
                if (delayPerTokenMillis > 0) Thread.sleep(delayPerTokenMillis);
                seq.feed(id);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException clientWentAway) {
            // the client closed the stream (cancel): stop generating
        }
    }

    /** vLLM's order: allowed-ids mask, min_tokens mask of stop ids, then top-k (greedy at 1). */
    private static int sample(float[] logits, Set<Integer> allowed, Set<Integer> masked, int topK, Random random) {
        double[] score = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            boolean ok = (allowed == null || allowed.contains(i)) && !masked.contains(i);
            score[i] = ok ? logits[i] : Double.NEGATIVE_INFINITY;
        }
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        int k = topK <= 0 ? order.length : Math.min(topK, order.length);
        if (k == 1) return order[0];
        double max = score[order[0]], sum = 0;
        double[] p = new double[k];
        for (int i = 0; i < k; i++) sum += p[i] = Math.exp(score[order[i]] - max);
        double r = random.nextDouble() * sum;
        for (int i = 0; i < k; i++) if ((r -= p[i]) <= 0) return order[i];
        return order[k - 1];
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static Set<Integer> set(JsonNode array) {
        Set<Integer> out = new HashSet<>();
        for (JsonNode n : array) out.add(n.asInt());
        return out;
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        var handlers = (java.util.concurrent.ExecutorService) http.getExecutor();
        handlers.shutdownNow();
        // a handler may still be inside a forward pass (a client that cancelled does not stop it mid-step):
        // freeing the weights under it crashes libtorch, so wait for the handlers before closing the model
        boolean idle;
        try {
            idle = handlers.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            idle = false;
        }
        if (model != null && idle) model.close();   // else leak it rather than free it under a running handler
    }
}
