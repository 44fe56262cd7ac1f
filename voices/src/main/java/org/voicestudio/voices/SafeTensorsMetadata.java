package org.voicestudio.voices;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code __metadata__} of a safetensors file, read from its header alone. */
final class SafeTensorsMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 16L << 20;

    private SafeTensorsMetadata() {}

    static Map<String, String> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] len = in.readNBytes(8);
            if (len.length < 8) throw new IOException(file + ": truncated (" + len.length + " bytes)");
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n <= 0 || n > MAX_HEADER || n > Files.size(file) - 8) throw new IOException(file + ": corrupt header (length " + n + ")");
            byte[] header = in.readNBytes((int) n);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(file + ": corrupt header: " + e.getMessage(), e);
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("__metadata__").properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), e.getValue().asText());
            }
            return out;
        }
    }
}
