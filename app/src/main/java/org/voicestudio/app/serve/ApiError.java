package org.voicestudio.app.serve;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server answers with an error, in OpenAI's shape:
 * {@code {"error":{"message","type","param","code"}}}.
 *
 * @param status HTTP status (4xx for the client's mistakes, 500 when synthesis fails)
 * @param type   OpenAI's error type: invalid_request_error, rate_limit_error, server_error
 * @param param  the JSON field at fault, or null
 * @param code   a short machine-readable code ("unknown_voice", "body_too_large"...), or null
 */
final class ApiError extends Exception {
    final int status;
    final String type;
    final String param;
    final String code;

    private ApiError(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    static ApiError invalid(String message, String param, String code) {
        return new ApiError(400, "invalid_request_error", message, param, code);
    }

    static ApiError status(int status, String message, String code) {
        String type = status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
        return new ApiError(status, type, message, null, code);
    }

    /** The JSON body; param and code are null when they do not apply, as OpenAI sends them. */
    Map<String, Object> body() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return Map.of("error", e);
    }
}
