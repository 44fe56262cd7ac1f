package org.voicestudio.app.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A checked {@code POST /v1/audio/speech} body. OpenAI's fields: {@code model} (any value, echoed),
 * {@code input}, {@code voice}, {@code response_format}, {@code speed}; plus {@code stream}
 * (default: true for pcm and wav) and two of this server's own: {@code seed} (sampling seed,
 * default 0, so a request repeated gives the same audio) and {@code language} (text normalization
 * language; default the voice's own).
 */
record SpeechRequest(String model, String input, String voice, ResponseFormat format, double speed, boolean stream,
                     long seed, String language) {
    /** OpenAI's speed range; the pipeline stretches the mel for any positive rate (reference §6.2). */
    static final double MIN_SPEED = 0.25, MAX_SPEED = 4.0;
    /** OpenAI's default format when none is given. */
    static final ResponseFormat DEFAULT_FORMAT = ResponseFormat.MP3;

    static SpeechRequest parse(ObjectMapper json, byte[] body, int maxInputChars) throws ApiError {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid("the request body is not valid JSON: " + e.getOriginalMessage(), null, "invalid_json");
        } catch (java.io.IOException e) {
            throw ApiError.invalid("the request body cannot be read: " + e.getMessage(), null, "invalid_json");
        }
        if (root == null || !root.isObject()) throw ApiError.invalid("the request body must be a JSON object", null, "invalid_json");

        String model = optionalText(root, "model");
        String input = optionalText(root, "input");
        if (input == null) throw ApiError.invalid("'input' is required: the text to speak", "input", "missing_input");
        if (input.isBlank()) throw ApiError.invalid("'input' is empty: there is nothing to speak", "input", "empty_input");
        int chars = input.codePointCount(0, input.length());
        if (chars > maxInputChars) {
            throw ApiError.invalid("'input' has " + chars + " characters; at most " + maxInputChars + " are accepted", "input", "input_too_long");
        }
        String voice = optionalText(root, "voice");
        if (voice == null || voice.isBlank()) throw ApiError.invalid("'voice' is required: the name of a voice of the library", "voice", "missing_voice");
        String formatName = optionalText(root, "response_format");
        ResponseFormat format = formatName == null ? DEFAULT_FORMAT : ResponseFormat.parse(formatName);

        double speed = 1.0;
        JsonNode s = root.get("speed");
        if (s != null && !s.isNull()) {
            if (!s.isNumber()) throw ApiError.invalid("'speed' must be a number between " + MIN_SPEED + " and " + MAX_SPEED, "speed", "invalid_speed");
            speed = s.asDouble();
            if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) {
                throw ApiError.invalid("'speed' must be between " + MIN_SPEED + " and " + MAX_SPEED + ", got " + s.asText(), "speed", "invalid_speed");
            }
        }
        boolean stream = format.streamable;
        JsonNode st = root.get("stream");
        if (st != null && !st.isNull()) {
            if (!st.isBoolean()) throw ApiError.invalid("'stream' must be true or false", "stream", "invalid_stream");
            stream = st.asBoolean();
            if (stream && !format.streamable) {
                throw ApiError.invalid("'stream' is supported for pcm and wav; " + format.id() + " is sent whole", "stream", "unsupported_stream");
            }
        }
        long seed = 0;
        JsonNode sd = root.get("seed");
        if (sd != null && !sd.isNull()) {
            if (!sd.canConvertToLong() || !sd.isIntegralNumber()) throw ApiError.invalid("'seed' must be an integer", "seed", "invalid_seed");
            seed = sd.asLong();
        }
        return new SpeechRequest(model, input, voice.strip(), format, speed, stream, seed, optionalText(root, "language"));
    }

    private static String optionalText(JsonNode root, String field) throws ApiError {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw ApiError.invalid("'" + field + "' must be a string, got " + n.getNodeType().name().toLowerCase(), field, "invalid_type");
        return n.asText();
    }
}
