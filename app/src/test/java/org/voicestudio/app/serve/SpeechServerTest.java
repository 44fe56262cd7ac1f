package org.voicestudio.app.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.app.ui.synthesis.CancelSignal;
import org.voicestudio.app.ui.synthesis.PipelineSynthesizer;
import org.voicestudio.app.ui.synthesis.Synthesizer;
import org.voicestudio.app.ui.synthesis.TakeRequest;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.SynthesisListener;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.voices.VoiceLibrary;
import org.voicestudio.voices.VoiceProfile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The speech endpoint over a real socket on 127.0.0.1, with the real pipeline (every stage on DJL)
 * and the cv3-tiny golden model (no tokenizer: its text ids are UTF-8 bytes, as in the studio) and a
 * voice made of the golden prompt tensors.
 */
class SpeechServerTest {
    private static final Map<Stage, String> DJL = Map.of(Stage.LLM, "djl", Stage.FLOW, "djl", Stage.VOCODER, "djl");
    private static final int SAMPLE_RATE = 24000; // cv3-tiny's sample_rate, as CosyVoice3's
    /** Small limits, so the limit tests send little. */
    private static final int MAX_INPUT = 200, MAX_BODY = 4096;
    /** Long enough for a stuck test to fail rather than hang; a tiny-model synthesis takes well under a second. */
    private static final long WAIT_S = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Gated synth;
    private static PipelineSynthesizer pipeline;
    private static SpeechServer server;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws IOException {
        VoiceLibrary library = new VoiceLibrary(dir.resolve("voices"));
        library.save(goldenVoice("ana"), false);
        pipeline = PipelineSynthesizer.open(Golden.tinyModel(), id -> library.get(id).orElseThrow().toVoicePrompt());
        synth = new Gated(pipeline);
        server = SpeechServer.start(new SpeechServer.Config("127.0.0.1", 0, "cv3-tiny", DJL, MAX_INPUT, MAX_BODY, 1), synth, library, line -> {});
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (pipeline != null) pipeline.close();
    }

    @AfterEach
    void openGate() {
        synth.release();
        synth.endings.clear();
    }

    private static VoiceProfile goldenVoice(String name) {
        Tensor feat = Golden.tensor("flow_prompt_feat"); // [1, 24, 80]
        return new VoiceProfile(name, "es", "Hola, esto es una prueba.", Golden.tensor("llm_prompt_text").toInts(),
                Golden.tensor("flow_prompt_token").toInts(), Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)),
                Golden.tensor("flow_embedding").toFloats(), Optional.empty());
    }

    /**
     * The real synthesizer, with a gate a test can close: the synthesis then stops right after its
     * first audio chunk was handed to the server, until the test opens it. It also records how each
     * synthesis ended.
     */
    private static final class Gated implements Synthesizer {
        private final Synthesizer inner;
        final BlockingQueue<String> endings = new LinkedBlockingQueue<>();
        private volatile CountDownLatch gate = new CountDownLatch(0);
        final CountDownLatch[] firstChunkSent = {new CountDownLatch(1)};

        Gated(Synthesizer inner) { this.inner = inner; }

        void close() {
            gate = new CountDownLatch(1);
            firstChunkSent[0] = new CountDownLatch(1);
        }

        void release() { gate.countDown(); }

        @Override public int sampleRate() { return inner.sampleRate(); }
        @Override public List<String> languages() { return inner.languages(); }
        @Override public List<String> sentences(String text, String language) throws Exception { return inner.sentences(text, language); }

        @Override
        public void synthesize(TakeRequest request, SynthesisListener listener, CancelSignal cancel) {
            CountDownLatch g = gate, sent = firstChunkSent[0];
            inner.synthesize(request, new SynthesisListener() {
                private boolean first = true;

                @Override public void onAudio(AudioChunk c) {
                    listener.onAudio(c);
                    if (first) {
                        first = false;
                        sent.countDown();
                        try {
                            g.await(WAIT_S, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
                @Override public void onFinished() { endings.add("finished"); listener.onFinished(); }
                @Override public void onCancelled() { endings.add("cancelled"); listener.onCancelled(); }
                @Override public void onFailed(Throwable t) { endings.add("failed"); listener.onFailed(t); }
            }, cancel);
        }
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private static HttpResponse<byte[]> post(String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(uri(SpeechServer.SPEECH)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(WAIT_S)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String speech(String input, String format, Boolean stream) {
        return "{\"model\":\"tts-1\",\"input\":\"" + input + "\",\"voice\":\"ana\",\"response_format\":\"" + format + "\",\"seed\":3"
                + (stream == null ? "" : ",\"stream\":" + stream) + "}";
    }

    @Test
    void aWavRequestReturnsARiffFileAtTheModelRate() throws Exception {
        HttpResponse<byte[]> r = post(speech("Hola.", "wav", false));
        assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("audio/wav", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("tts-1", r.headers().firstValue("X-Model").orElseThrow(), "the model asked for is echoed");
        ByteBuffer b = ByteBuffer.wrap(r.body()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("RIFF", ascii(r.body(), 0));
        assertEquals(r.body().length - 8, b.getInt(4), "RIFF size of a whole file");
        assertEquals("WAVE", ascii(r.body(), 8));
        assertEquals("fmt ", ascii(r.body(), 12));
        assertEquals(1, b.getShort(20), "PCM");
        assertEquals(1, b.getShort(22), "mono");
        assertEquals(SAMPLE_RATE, b.getInt(24));
        assertEquals(16, b.getShort(34), "bits per sample");
        int data = chunk(r.body(), "data");
        assertTrue(b.getInt(data + 4) > 0, "non-empty audio");
        assertEquals(List.of("finished"), List.copyOf(synth.endings));
    }

    @Test
    void aStreamedWavHasAnOpenEndedHeaderThenThePcmSamples() throws Exception {
        HttpResponse<byte[]> wav = post(speech("Hola.", "wav", null)); // wav streams by default
        HttpResponse<byte[]> pcm = post(speech("Hola.", "pcm", false));
        assertEquals(200, wav.statusCode());
        assertEquals("chunked", wav.headers().firstValue("Transfer-Encoding").orElse(""));
        ByteBuffer b = ByteBuffer.wrap(wav.body()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("RIFF", ascii(wav.body(), 0));
        assertEquals(-1, b.getInt(4), "unknown RIFF size");
        assertEquals(SAMPLE_RATE, b.getInt(24));
        assertEquals("data", ascii(wav.body(), 36));
        assertEquals(-1, b.getInt(40), "unknown data size");
        assertArrayEquals(pcm.body(), java.util.Arrays.copyOfRange(wav.body(), 44, wav.body().length));
    }

    @Test
    void pcmStreamingDeliversTheFirstChunkBeforeTheSynthesisEndsAndMatchesAWholeResponse() throws Exception {
        HttpResponse<byte[]> whole = post(speech("Hola a todos.", "pcm", false));
        assertEquals(200, whole.statusCode());
        assertTrue(whole.headers().firstValue("Content-Length").isPresent(), "a whole response has a length");
        assertTrue(whole.body().length > 0 && whole.body().length % 2 == 0, "16-bit samples");
        synth.endings.clear();

        synth.close(); // the synthesis will wait after its first chunk until this test has read it
        HttpResponse<InputStream> r = CLIENT.send(HttpRequest.newBuilder(uri(SpeechServer.SPEECH))
                .POST(HttpRequest.BodyPublishers.ofString(speech("Hola a todos.", "pcm", true))).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals("audio/pcm", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("chunked", r.headers().firstValue("Transfer-Encoding").orElse(""));
        try (InputStream in = r.body()) {
            byte[] first = new byte[2];
            assertEquals(2, in.readNBytes(first, 0, 2), "audio arrives");
            assertTrue(synth.endings.isEmpty(), "the first chunk arrived while the synthesis was still running");
            synth.release();
            byte[] rest = in.readAllBytes();
            byte[] all = new byte[2 + rest.length];
            System.arraycopy(first, 0, all, 0, 2);
            System.arraycopy(rest, 0, all, 2, rest.length);
            assertArrayEquals(whole.body(), all, "the same seed, voice and text give the same audio, streamed or whole");
        }
        assertEquals("finished", synth.endings.poll(WAIT_S, TimeUnit.SECONDS));
    }

    @Test
    void aClientThatDisconnectsMidStreamCancelsTheSynthesis() throws Exception {
        synth.close();
        // three sentences, so audio is still to come when the client has gone
        String body = speech("Uno dos tres. Cuatro cinco seis. Siete ocho nueve.", "pcm", true);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST " + SpeechServer.SPEECH + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 200", status);
            assertTrue(synth.firstChunkSent[0].await(WAIT_S, TimeUnit.SECONDS), "the first chunk was sent");
            s.setSoLinger(true, 0); // close with a reset, as a killed client does
        }
        synth.release();
        assertEquals("cancelled", synth.endings.poll(WAIT_S, TimeUnit.SECONDS), "the synthesis stopped when the client went away");
        HttpResponse<byte[]> next = post(speech("Hola.", "pcm", false));
        assertEquals(200, next.statusCode(), "the server serves the next request");
        assertTrue(next.body().length > 0);
    }

    @Test
    void aRequestBeyondTheQueueIsTurnedAwayWith429() throws Exception {
        synth.close(); // one synthesis holds the model; the queue (1 in this server) takes one more
        HttpResponse<InputStream> running = CLIENT.send(HttpRequest.newBuilder(uri(SpeechServer.SPEECH))
                .POST(HttpRequest.BodyPublishers.ofString(speech("Hola.", "pcm", true))).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertTrue(synth.firstChunkSent[0].await(WAIT_S, TimeUnit.SECONDS));
        var queued = CLIENT.sendAsync(HttpRequest.newBuilder(uri(SpeechServer.SPEECH))
                .POST(HttpRequest.BodyPublishers.ofString(speech("Hola.", "pcm", false))).build(), HttpResponse.BodyHandlers.ofByteArray());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (server.waitingForModel() < 2 && System.nanoTime() < until) Thread.sleep(10); // the queued one waits
        HttpResponse<byte[]> third = post(speech("Hola.", "pcm", false));
        assertError(third, 429, "rate_limit_error", null, "model_busy");
        synth.release();
        try (InputStream in = running.body()) { assertTrue(in.readAllBytes().length > 0); }
        assertEquals(200, queued.get(WAIT_S, TimeUnit.SECONDS).statusCode(), "the queued request ran after the first");
    }

    @Test
    void badRequestsGetOpenAiShapedErrors() throws Exception {
        assertError(post("{\"input\": \"Hola\", "), 400, "invalid_request_error", null, "invalid_json");
        assertError(post("[1, 2]"), 400, "invalid_request_error", null, "invalid_json");
        assertError(post("{\"voice\":\"ana\"}"), 400, "invalid_request_error", "input", "missing_input");
        assertError(post("{\"voice\":\"ana\",\"input\":\"  \"}"), 400, "invalid_request_error", "input", "empty_input");
        assertError(post("{\"voice\":\"ana\",\"input\":\"" + "a".repeat(MAX_INPUT + 1) + "\"}"), 400, "invalid_request_error", "input", "input_too_long");
        assertError(post("{\"voice\":\"ana\",\"input\":5}"), 400, "invalid_request_error", "input", "invalid_type");
        HttpResponse<byte[]> voice = post("{\"voice\":\"alloy\",\"input\":\"Hola\"}");
        assertError(voice, 400, "invalid_request_error", "voice", "unknown_voice");
        assertTrue(message(voice).contains("alloy") && message(voice).contains("known voices: ana"), message(voice));
        assertError(post("{\"input\":\"Hola\"}"), 400, "invalid_request_error", "voice", "missing_voice");
        HttpResponse<byte[]> format = post("{\"voice\":\"ana\",\"input\":\"Hola\",\"response_format\":\"ogg\"}");
        assertError(format, 400, "invalid_request_error", "response_format", "unsupported_response_format");
        assertTrue(message(format).contains("[wav, pcm, flac, mp3]"), message(format));
        assertError(post("{\"voice\":\"ana\",\"input\":\"Hola\",\"speed\":4.5}"), 400, "invalid_request_error", "speed", "invalid_speed");
        assertError(post("{\"voice\":\"ana\",\"input\":\"Hola\",\"speed\":0.2}"), 400, "invalid_request_error", "speed", "invalid_speed");
        assertError(post("{\"voice\":\"ana\",\"input\":\"Hola\",\"speed\":\"fast\"}"), 400, "invalid_request_error", "speed", "invalid_speed");
        assertError(post("{\"voice\":\"ana\",\"input\":\"Hola\",\"response_format\":\"mp3\",\"stream\":true}"), 400,
                "invalid_request_error", "stream", "unsupported_stream");
        assertError(post("{\"voice\":\"ana\",\"input\":\"Hola\",\"pad\":\"" + "x".repeat(MAX_BODY) + "\"}"), 413, "invalid_request_error", null, "body_too_large");

        HttpResponse<byte[]> get = CLIENT.send(HttpRequest.newBuilder(uri(SpeechServer.SPEECH)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertError(get, 405, "invalid_request_error", null, "method_not_allowed");
        assertEquals("POST", get.headers().firstValue("Allow").orElseThrow());
        HttpResponse<byte[]> postModels = CLIENT.send(HttpRequest.newBuilder(uri(SpeechServer.MODELS)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertError(postModels, 405, "invalid_request_error", null, "method_not_allowed");
        assertError(CLIENT.send(HttpRequest.newBuilder(uri("/v1/audio/transcriptions")).GET().build(), HttpResponse.BodyHandlers.ofByteArray()),
                404, "invalid_request_error", null, "not_found");
        assertTrue(synth.endings.isEmpty(), "no bad request reached the model");
    }

    @Test
    void aFailedSynthesisIsA500WithTheReason() throws Exception {
        // an engine that does not exist fails inside the synthesis, as a broken model would
        Map<Stage, String> missing = Map.of(Stage.LLM, "no-such-engine", Stage.FLOW, "djl", Stage.VOCODER, "djl");
        VoiceLibrary library = new VoiceLibrary(dir.resolve("voices"));
        try (PipelineSynthesizer other = PipelineSynthesizer.open(Golden.tinyModel(), id -> library.get(id).orElseThrow().toVoicePrompt());
             SpeechServer failing = SpeechServer.start(SpeechServer.Config.of("127.0.0.1", 0, "cv3-tiny", missing), other, library, line -> {})) {
            HttpResponse<byte[]> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + failing.address().getPort() + SpeechServer.SPEECH))
                    .POST(HttpRequest.BodyPublishers.ofString(speech("Hola.", "wav", false))).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertError(r, 500, "server_error", null, "synthesis_failed");
            assertTrue(message(r).contains("no-such-engine") && !message(r).contains("\tat "), message(r));
            // a streamed request fails before its first chunk, so it too gets the status and the reason
            HttpResponse<byte[]> streamed = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + failing.address().getPort() + SpeechServer.SPEECH))
                    .POST(HttpRequest.BodyPublishers.ofString(speech("Hola.", "pcm", true))).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertError(streamed, 500, "server_error", null, "synthesis_failed");
        }
    }

    @Test
    void voicesAndModelsAreListed() throws Exception {
        JsonNode voices = JSON.readTree(CLIENT.send(HttpRequest.newBuilder(uri(SpeechServer.VOICES)).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body());
        assertEquals("ana", voices.path("voices").path(0).path("name").asText());
        assertEquals("es", voices.path("voices").path(0).path("language").asText());
        JsonNode models = JSON.readTree(CLIENT.send(HttpRequest.newBuilder(uri(SpeechServer.MODELS)).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body());
        assertEquals("list", models.path("object").asText());
        assertEquals("cv3-tiny", models.path("data").path(0).path("id").asText());
    }

    @Test
    void flacAndMp3AreSentWhole() throws Exception {
        HttpResponse<byte[]> flac = post(speech("Hola.", "flac", null));
        assertEquals(200, flac.statusCode());
        assertEquals("audio/flac", flac.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("fLaC", ascii(flac.body(), 0));
        HttpResponse<byte[]> mp3 = post("{\"input\":\"Hola.\",\"voice\":\"ana\",\"speed\":1.5}"); // mp3 is OpenAI's default format
        assertEquals(200, mp3.statusCode());
        assertEquals("audio/mpeg", mp3.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("ID3", ascii(mp3.body(), 0).substring(0, 3));
    }

    private static void assertError(HttpResponse<byte[]> r, int status, String type, String param, String code) throws IOException {
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(status, r.statusCode(), text);
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), text);
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertNotNull(e, text);
        assertTrue(e.path("message").isTextual() && !e.path("message").asText().isBlank(), text);
        assertEquals(type, e.path("type").asText(), text);
        assertTrue(e.has("param") && e.has("code"), "param and code are always present: " + text);
        if (param == null) assertTrue(e.get("param").isNull(), text);
        else assertEquals(param, e.get("param").asText(), text);
        assertEquals(code, e.get("code").asText(), text);
    }

    private static String message(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body()).path("error").path("message").asText();
    }

    private static String ascii(byte[] b, int at) { return new String(b, at, 4, StandardCharsets.US_ASCII); }

    /** Offset of the RIFF chunk {@code id} in a WAV file. */
    private static int chunk(byte[] wav, String id) {
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 12; at + 8 <= wav.length; at += 8 + ((b.getInt(at + 4) + 1) & ~1)) {
            if (ascii(wav, at).equals(id)) return at;
        }
        throw new AssertionError("no " + id + " chunk");
    }

}
