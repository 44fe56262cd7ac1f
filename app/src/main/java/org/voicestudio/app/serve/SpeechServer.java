package org.voicestudio.app.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.voicestudio.app.ui.export.ExportFormat;
import org.voicestudio.app.ui.synthesis.CancelSignal;
import org.voicestudio.app.ui.synthesis.Synthesizer;
import org.voicestudio.app.ui.synthesis.TakeRequest;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.AudioRecorder;
import org.voicestudio.inference.pipeline.SynthesisListener;
import org.voicestudio.voices.VoiceLibrary;
import org.voicestudio.voices.VoiceProfile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * An OpenAI-compatible speech endpoint over the studio's {@link Synthesizer} and voice library, on
 * the JDK's HTTP server: {@code POST /v1/audio/speech}, {@code GET /v1/audio/voices},
 * {@code GET /v1/models}.
 *
 * <p>One synthesis runs at a time (one loaded model); the others wait their turn in arrival order
 * (a fair queue), at most {@link Config#maxWaiting} of them; one more is answered 429. Streamed
 * responses (pcm, wav) send each audio chunk as the pipeline produces it, with chunked transfer
 * encoding; when a write fails because the client went away the synthesis is cancelled. A client
 * that disconnects from a whole-file (non-streamed) response is noticed only when the file is sent.
 */
public final class SpeechServer implements AutoCloseable {
    /**
     * @param host          address to bind (loopback unless the user says otherwise)
     * @param port          0 picks a free port
     * @param modelId       the id {@code /v1/models} lists (requests may name any model; it is echoed)
     * @param engines       engine id per stage
     * @param maxInputChars longest {@code input}, in characters
     * @param maxBodyBytes  largest request body; more is answered 413
     * @param maxWaiting    requests that may wait for the model while one synthesizes
     */
    public record Config(String host, int port, String modelId, Map<Stage, String> engines, int maxInputChars, int maxBodyBytes,
                         int maxWaiting) {
        public static final int MAX_INPUT_CHARS = 4096, MAX_BODY_BYTES = 64 * 1024, MAX_WAITING = 8;

        public Config {
            engines = Map.copyOf(engines);
            if (maxInputChars < 1 || maxBodyBytes < 1 || maxWaiting < 0) throw new IllegalArgumentException("limits must be positive");
        }

        public static Config of(String host, int port, String modelId, Map<Stage, String> engines) {
            return new Config(host, port, modelId, engines, MAX_INPUT_CHARS, MAX_BODY_BYTES, MAX_WAITING);
        }
    }

    public static final String SPEECH = "/v1/audio/speech", VOICES = "/v1/audio/voices", MODELS = "/v1/models";

    private final Config config;
    private final Synthesizer synthesizer;
    private final VoiceLibrary voices;
    private final Consumer<String> log;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer http;
    private final ThreadPoolExecutor executor;
    /** The model: one synthesis at a time, granted in arrival order. */
    private final Semaphore model = new Semaphore(1, true);
    private final AtomicInteger waiting = new AtomicInteger();

    private SpeechServer(Config config, Synthesizer synthesizer, VoiceLibrary voices, Consumer<String> log) throws IOException {
        this.config = config;
        this.synthesizer = synthesizer;
        this.voices = voices;
        this.log = log;
        // the one synthesizing, the ones allowed to wait, and a few more for quick GETs and errors
        int threads = config.maxWaiting() + 4;
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
                Thread.ofPlatform().name("serve-", 0).daemon().factory());
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /** Binds and starts serving; {@code log} hears one line per request and every failure. */
    public static SpeechServer start(Config config, Synthesizer synthesizer, VoiceLibrary voices, Consumer<String> log) throws IOException {
        SpeechServer s = new SpeechServer(config, synthesizer, voices, log);
        s.http.start();
        return s;
    }

    /** The address bound (the real port when 0 was asked for). */
    public InetSocketAddress address() { return http.getAddress(); }

    /** Requests holding or waiting for the model now. */
    int waitingForModel() { return waiting.get(); }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    // ---- routing ----

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            try {
                switch (path) {
                    case SPEECH -> { requireMethod(ex, "POST"); speech(ex); }
                    case VOICES -> { requireMethod(ex, "GET"); sendJson(ex, 200, voiceList()); }
                    case MODELS -> { requireMethod(ex, "GET"); sendJson(ex, 200, modelList()); }
                    default -> throw ApiError.status(404, "no such endpoint: " + ex.getRequestMethod() + " " + path
                            + "; this server offers POST " + SPEECH + ", GET " + VOICES + ", GET " + MODELS, "not_found");
                }
            } catch (ApiError e) {
                log.accept(ex.getRequestMethod() + " " + path + " -> " + e.status + ": " + e.getMessage());
                if (ex.getResponseCode() == -1) sendJson(ex, e.status, e.body());
            } catch (RuntimeException e) {
                // a bug or an unexpected state: the reason, not a stack trace, and the server keeps serving
                ApiError a = ApiError.status(500, "the server failed: " + message(e), "internal_error");
                log.accept(ex.getRequestMethod() + " " + path + " -> 500: " + e);
                if (ex.getResponseCode() == -1) sendJson(ex, a.status, a.body());
            }
        } catch (BrokenStream e) {
            // not closed: the server drops the connection without the last chunk, so the client sees a broken transfer
            throw e;
        } catch (IOException | RuntimeException e) {
            ex.close();
            throw e;
        }
        ex.close();
    }

    /** Synthesis failed after the status line was sent: the connection is dropped, not closed cleanly. */
    private static final class BrokenStream extends IOException {
        BrokenStream(String message, Throwable cause) { super(message, cause); }
    }

    private static void requireMethod(HttpExchange ex, String method) throws ApiError {
        if (ex.getRequestMethod().equalsIgnoreCase(method)) return;
        ex.getResponseHeaders().set("Allow", method);
        throw ApiError.status(405, ex.getRequestURI().getPath() + " accepts " + method + ", not " + ex.getRequestMethod(), "method_not_allowed");
    }

    // ---- GET ----

    private Map<String, Object> voiceList() throws ApiError {
        List<Map<String, Object>> list = new ArrayList<>();
        for (VoiceProfile v : listing().voices()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", v.name());
            m.put("name", v.name());
            m.put("language", v.language());
            list.add(m);
        }
        return Map.of("voices", list);
    }

    private Map<String, Object> modelList() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", config.modelId());
        m.put("object", "model");
        m.put("created", 0);
        m.put("owned_by", "voicestudio");
        return Map.of("object", "list", "data", List.of(m));
    }

    private VoiceLibrary.Listing listing() { return voices.list(); }

    // ---- POST /v1/audio/speech ----

    private void speech(HttpExchange ex) throws IOException, ApiError {
        SpeechRequest req = SpeechRequest.parse(json, readBody(ex), config.maxInputChars());
        VoiceProfile voice = findVoice(req.voice());
        String language = language(req, voice);
        try {
            if (synthesizer.sentences(req.input(), language).isEmpty()) {
                throw ApiError.invalid("'input' has nothing to speak after text normalization", "input", "empty_input");
            }
        } catch (ApiError e) {
            throw e;
        } catch (Exception e) {
            throw ApiError.invalid("'input' cannot be prepared for synthesis: " + e.getMessage(), "input", "invalid_input");
        }
        TakeRequest take = new TakeRequest(req.input(), voice.name(), language, req.speed(), req.seed(), config.engines());

        if (waiting.incrementAndGet() > config.maxWaiting() + 1) {
            waiting.decrementAndGet();
            throw ApiError.status(429, "the model is busy: one synthesis runs and " + config.maxWaiting() + " are waiting; try again shortly", "model_busy");
        }
        try {
            model.acquire();
        } catch (InterruptedException e) {
            waiting.decrementAndGet();
            Thread.currentThread().interrupt();
            throw ApiError.status(503, "the server is shutting down", "shutting_down");
        }
        try {
            if (req.model() != null) ex.getResponseHeaders().set("X-Model", req.model());
            ex.getResponseHeaders().set("Content-Type", req.format().contentType);
            long t0 = System.nanoTime();
            String outcome = req.stream() ? streamed(ex, req, take) : whole(ex, req, take, voice);
            log.accept(String.format(java.util.Locale.ROOT, "POST %s voice=%s format=%s stream=%s chars=%d -> %s in %.2f s", SPEECH, voice.name(),
                    req.format().id(), req.stream(), req.input().length(), outcome, (System.nanoTime() - t0) / 1e9));
        } finally {
            model.release();
            waiting.decrementAndGet();
        }
    }

    private byte[] readBody(HttpExchange ex) throws IOException, ApiError {
        int limit = config.maxBodyBytes();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > limit) throw tooLarge(limit);
            } catch (NumberFormatException e) {
                throw ApiError.invalid("Content-Length '" + declared + "' is not a number", null, "invalid_request");
            }
        }
        InputStream in = ex.getRequestBody();
        byte[] body = in.readNBytes(limit + 1);
        if (body.length > limit) throw tooLarge(limit);
        return body;
    }

    private static ApiError tooLarge(int limit) {
        return ApiError.status(413, "the request body is larger than " + limit + " bytes", "body_too_large");
    }

    private VoiceProfile findVoice(String name) throws ApiError {
        try {
            Optional<VoiceProfile> v = voices.get(name);
            if (v.isPresent()) return v.get();
        } catch (IOException e) {
            throw ApiError.status(500, "the voice '" + name + "' cannot be read: " + e.getMessage(), "voice_unreadable");
        }
        List<String> known = listing().voices().stream().map(VoiceProfile::name).toList();
        throw ApiError.invalid("unknown voice '" + name + "'; " + (known.isEmpty()
                ? "the library " + voices.dir() + " has no voices (add one with: studio voices add)"
                : "known voices: " + String.join(", ", known)), "voice", "unknown_voice");
    }

    /** The asked language, else the voice's own if the frontend has it, else English. */
    private String language(SpeechRequest req, VoiceProfile voice) throws ApiError {
        List<String> available = synthesizer.languages();
        if (req.language() != null) {
            if (available.contains(req.language())) return req.language();
            throw ApiError.invalid("language '" + req.language() + "' is not supported; use one of " + available, "language", "unsupported_language");
        }
        return available.contains(voice.language()) ? voice.language() : "en";
    }

    /**
     * Writes chunks as they come; a failed write (client gone) cancels the synthesis. The status
     * line goes out with the first chunk, so a synthesis that fails before any audio is still a
     * 500 with the reason; one that fails later ends the connection without the last chunk.
     */
    private String streamed(HttpExchange ex, SpeechRequest req, TakeRequest take) throws IOException, ApiError {
        CancelSignal cancel = new CancelSignal();
        AtomicReference<IOException> clientGone = new AtomicReference<>();
        Ending ending = new Ending();
        byte[] header = req.format().streamHeader(synthesizer.sampleRate());
        boolean[] started = {false};
        synthesizer.synthesize(take, new SynthesisListener() {
            @Override public void onAudio(AudioChunk c) {
                if (clientGone.get() != null) return;
                try {
                    OutputStream out = ex.getResponseBody();
                    if (!started[0]) {
                        started[0] = true;
                        ex.sendResponseHeaders(200, 0); // 0: chunked transfer encoding
                        out.write(header);
                    }
                    out.write(ResponseFormat.pcm16(c.samples()));
                    out.flush(); // one HTTP chunk per audio chunk, on the wire now
                } catch (IOException e) {
                    clientGone.set(e);
                    cancel.cancel();
                }
            }
            @Override public void onFinished() { ending.set("finished", null); }
            @Override public void onCancelled() { ending.set("cancelled", null); }
            @Override public void onFailed(Throwable t) { ending.set("failed", t); }
        }, cancel);
        if (clientGone.get() != null) return "client disconnected; synthesis " + ending.what;
        if (!started[0]) {
            if (!"finished".equals(ending.what)) throw failed(ending);
            ex.sendResponseHeaders(200, 0); // no audio at all: an empty stream, but a well-formed one
            ex.getResponseBody().write(header);
        }
        if (ending.failure != null || !"finished".equals(ending.what)) {
            log.accept("synthesis failed mid-stream: " + failed(ending).getMessage());
            throw new BrokenStream("synthesis failed mid-stream", ending.failure);
        }
        return ending.what;
    }

    private static ApiError failed(Ending ending) {
        return ApiError.status(500, "synthesis failed: " + (ending.failure != null ? message(ending.failure) : ending.what), "synthesis_failed");
    }

    /** Synthesizes all, then sends the file with its length; a failure is a 500 with the reason. */
    private String whole(HttpExchange ex, SpeechRequest req, TakeRequest take, VoiceProfile voice) throws IOException, ApiError {
        AudioRecorder audio = new AudioRecorder();
        Ending ending = new Ending();
        synthesizer.synthesize(take, SynthesisListener.all(audio, new SynthesisListener() {
            @Override public void onFinished() { ending.set("finished", null); }
            @Override public void onCancelled() { ending.set("cancelled", null); }
            @Override public void onFailed(Throwable t) { ending.set("failed", t); }
        }), new CancelSignal());
        if (ending.failure != null || !"finished".equals(ending.what)) throw failed(ending);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        req.format().writeWhole(audio.samples(), synthesizer.sampleRate(),
                new ExportFormat.Metadata("", voice.name(), "seed " + req.seed()), file);
        ex.sendResponseHeaders(200, file.size());
        try {
            file.writeTo(ex.getResponseBody());
        } catch (IOException e) {
            return "finished; client disconnected before the file was sent";
        }
        return "finished";
    }

    /** How a synthesis ended, as its listener heard it. */
    private static final class Ending {
        volatile String what = "ended without an outcome";
        volatile Throwable failure;

        void set(String what, Throwable failure) {
            this.what = what;
            this.failure = failure;
        }
    }

    private static String message(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
