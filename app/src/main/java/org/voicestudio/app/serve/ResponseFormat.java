package org.voicestudio.app.serve;

import org.voicestudio.app.ui.export.ExportFormat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The {@code response_format}s of {@code /v1/audio/speech}. WAV and PCM can be written chunk by
 * chunk as audio is produced; FLAC and MP3 are encoded whole (by {@link ExportFormat}) once the
 * synthesis ends. PCM is raw 16-bit little-endian mono samples at the model rate (24 kHz for
 * CosyVoice3), as OpenAI documents it.
 */
enum ResponseFormat {
    WAV("audio/wav", true),
    PCM("audio/pcm", true),
    FLAC("audio/flac", false),
    MP3("audio/mpeg", false);

    /** A RIFF/data size a streamed WAV cannot know up front: "as long as the stream", as common servers write it. */
    private static final int UNKNOWN_SIZE = 0xFFFFFFFF;

    final String contentType;
    final boolean streamable;

    ResponseFormat(String contentType, boolean streamable) {
        this.contentType = contentType;
        this.streamable = streamable;
    }

    String id() { return name().toLowerCase(Locale.ROOT); }

    static ResponseFormat parse(String s) throws ApiError {
        for (ResponseFormat f : values()) if (f.id().equals(s)) return f;
        throw ApiError.invalid("response_format '" + s + "' is not supported; use one of " + Arrays.stream(values()).map(ResponseFormat::id).toList(),
                "response_format", "unsupported_response_format");
    }

    /** What a streamed response starts with: the WAV header with unknown sizes; nothing for PCM. */
    byte[] streamHeader(int sampleRate) {
        if (this == PCM) return new byte[0];
        if (this != WAV) throw new IllegalStateException(this + " cannot be streamed");
        ByteBuffer b = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("RIFF")).putInt(UNKNOWN_SIZE).put(ascii("WAVE"));
        b.put(ascii("fmt ")).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16);
        b.put(ascii("data")).putInt(UNKNOWN_SIZE);
        return b.array();
    }

    /** Mono float samples as 16-bit little-endian PCM, clipped and rounded as the exporter does. */
    static byte[] pcm16(float[] samples) {
        short[] pcm = ExportFormat.toPcm16(samples);
        byte[] out = new byte[pcm.length * 2];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().put(pcm);
        return out;
    }

    /** The whole file for a finished synthesis. */
    void writeWhole(float[] samples, int sampleRate, ExportFormat.Metadata meta, OutputStream out) throws IOException {
        switch (this) {
            case PCM -> out.write(pcm16(samples));
            case WAV -> ExportFormat.WAV.write(samples, sampleRate, meta, out);
            case FLAC -> ExportFormat.FLAC.write(samples, sampleRate, meta, out);
            case MP3 -> ExportFormat.MP3.write(samples, sampleRate, meta, out);
        }
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }
}
