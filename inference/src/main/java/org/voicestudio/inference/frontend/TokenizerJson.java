package org.voicestudio.inference.frontend;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the HuggingFace {@code tokenizer.json} that {@code AutoTokenizer} + {@code
 * add_special_tokens} produce for a Qwen2 folder (reference §2.2). The official {@code
 * CosyVoice-BlankEN} has only {@code vocab.json}/{@code merges.txt}; transformers then converts
 * the slow tokenizer to a fast one (NFC normalizer, Qwen2 split regex + byte-level, BPE without
 * byte fallback), and {@code add_special_tokens} appends each new token at id {@code len(tokenizer)}.
 * A folder that has a {@code tokenizer.json} keeps it; only missing tokens are appended.
 */
public final class TokenizerJson {
    /** Qwen2's pre-tokenizer split pattern (tokenization_qwen2.PRETOKENIZE_REGEX). */
    static final String QWEN2_SPLIT_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    /**
     * A tokenizer definition.
     *
     * @param json        the tokenizer.json bytes
     * @param addedTokens added (special) tokens with their ids, in id order
     * @param bpeVocab    entries of the BPE vocabulary (151643 for Qwen2)
     * @param size        largest id + 1
     */
    public record Built(byte[] json, Map<String, Integer> addedTokens, int bpeVocab, int size) {}

    private TokenizerJson() {}

    /** The tokenizer definition of {@code dir} with {@code toAdd} appended as special tokens. */
    public static Built build(Path dir, List<String> toAdd) throws IOException {
        Path tokenizerJson = dir.resolve("tokenizer.json");
        return Files.isRegularFile(tokenizerJson) ? fromTokenizerJson(tokenizerJson, toAdd) : fromVocabAndMerges(dir, toAdd);
    }

    private static Built fromTokenizerJson(Path file, List<String> toAdd) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        ArrayNode added = root.withArray("added_tokens");
        TreeMap<Integer, String> byId = new TreeMap<>();
        for (JsonNode t : added) byId.put(t.get("id").asInt(), t.get("content").asText());
        JsonNode vocab = root.path("model").path("vocab");
        int maxId = byId.isEmpty() ? -1 : byId.lastKey();
        for (Iterator<JsonNode> it = vocab.elements(); it.hasNext(); ) maxId = Math.max(maxId, it.next().asInt());
        Map<String, Integer> present = invert(byId);
        int next = maxId + 1;
        for (String content : toAdd) {
            if (present.containsKey(content)) continue;
            added.add(addedToken(next, content));
            byId.put(next, content);
            present.put(content, next++);
        }
        return new Built(JSON.writeValueAsBytes(root), Collections.unmodifiableMap(invert(byId)), vocab.size(), next);
    }

    /** Streams the definition: vocab.json is copied verbatim, merges become a JSON array. */
    private static Built fromVocabAndMerges(Path dir, List<String> toAdd) throws IOException {
        Path vocabFile = dir.resolve("vocab.json");
        Path mergesFile = dir.resolve("merges.txt");
        if (!Files.isRegularFile(vocabFile) || !Files.isRegularFile(mergesFile)) {
            throw new IOException(dir + ": no tokenizer found: expected tokenizer.json, or vocab.json and merges.txt (the CosyVoice-BlankEN layout)");
        }
        String vocabJson = Files.readString(vocabFile, StandardCharsets.UTF_8);
        int vocabSize = 0, maxId = -1;
        try (JsonParser p = FACTORY.createParser(vocabJson)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException(vocabFile + ": expected a JSON object of token -> id");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) throw new IOException(vocabFile + ": id of '" + p.currentName() + "' is not an integer");
                maxId = Math.max(maxId, p.getIntValue());
                vocabSize++;
            }
        }
        TreeMap<Integer, String> byId = baseAddedTokens(dir, vocabSize);
        if (!byId.isEmpty()) maxId = Math.max(maxId, byId.lastKey());
        Map<String, Integer> present = invert(byId);
        int next = maxId + 1;
        for (String content : toAdd) {
            if (present.containsKey(content)) continue;
            byId.put(next, content);
            present.put(content, next++);
        }

        ByteArrayOutputStream bytes = new ByteArrayOutputStream(vocabJson.length() * 2);
        try (JsonGenerator g = FACTORY.createGenerator(bytes); BufferedReader merges = Files.newBufferedReader(mergesFile, StandardCharsets.UTF_8)) {
            g.writeStartObject();
            g.writeStringField("version", "1.0");
            g.writeNullField("truncation");
            g.writeNullField("padding");
            g.writeArrayFieldStart("added_tokens");
            for (Map.Entry<Integer, String> e : byId.entrySet()) {
                g.writeStartObject();
                g.writeNumberField("id", e.getKey());
                g.writeStringField("content", e.getValue());
                g.writeBooleanField("single_word", false);
                g.writeBooleanField("lstrip", false);
                g.writeBooleanField("rstrip", false);
                g.writeBooleanField("normalized", false);
                g.writeBooleanField("special", true);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("normalizer");
            g.writeStringField("type", "NFC");
            g.writeEndObject();
            g.writeObjectFieldStart("pre_tokenizer");
            g.writeStringField("type", "Sequence");
            g.writeArrayFieldStart("pretokenizers");
            g.writeStartObject();
            g.writeStringField("type", "Split");
            g.writeObjectFieldStart("pattern");
            g.writeStringField("Regex", QWEN2_SPLIT_REGEX);
            g.writeEndObject();
            g.writeStringField("behavior", "Isolated");
            g.writeBooleanField("invert", false);
            g.writeEndObject();
            byteLevel(g);
            g.writeEndArray();
            g.writeEndObject();
            g.writeFieldName("post_processor");
            byteLevel(g);
            g.writeFieldName("decoder");
            byteLevel(g);
            g.writeObjectFieldStart("model");
            g.writeStringField("type", "BPE");
            g.writeNullField("dropout");
            g.writeNullField("unk_token");
            g.writeStringField("continuing_subword_prefix", "");
            g.writeStringField("end_of_word_suffix", "");
            g.writeBooleanField("fuse_unk", false);
            g.writeBooleanField("byte_fallback", false);
            g.writeBooleanField("ignore_merges", false);
            g.writeFieldName("vocab");
            g.writeRawValue(vocabJson);
            g.writeArrayFieldStart("merges");
            int lineNo = 0;
            for (String line; (line = merges.readLine()) != null; ) {
                lineNo++;
                if (line.isEmpty() || (lineNo == 1 && line.startsWith("#version"))) continue;
                int space = line.indexOf(' ');
                if (space <= 0 || space != line.lastIndexOf(' ') || space == line.length() - 1) {
                    throw new IOException(mergesFile + " line " + lineNo + ": expected two symbols separated by one space, got '" + line + "'");
                }
                g.writeString(line);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        }
        return new Built(bytes.toByteArray(), Collections.unmodifiableMap(invert(byId)), vocabSize, next);
    }

    /**
     * Tokens the folder declares beyond the BPE vocabulary: {@code added_tokens_decoder} of
     * {@code tokenizer_config.json} when present, else Qwen2's three specials after the vocabulary.
     */
    private static TreeMap<Integer, String> baseAddedTokens(Path dir, int vocabSize) throws IOException {
        TreeMap<Integer, String> out = new TreeMap<>();
        Path config = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode decoder = JSON.readTree(config.toFile()).path("added_tokens_decoder");
            for (Iterator<Map.Entry<String, JsonNode>> it = decoder.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(Integer.parseInt(e.getKey()), e.getValue().path("content").asText());
            }
        }
        if (out.isEmpty()) {
            List<String> base = SpecialTokens.qwenBase();
            for (int i = 0; i < base.size(); i++) out.put(vocabSize + i, base.get(i));
        }
        return out;
    }

    private static Map<String, Integer> invert(TreeMap<Integer, String> byId) {
        Map<String, Integer> out = new LinkedHashMap<>();
        byId.forEach((id, content) -> out.put(content, id));
        return out;
    }

    private static ObjectNode addedToken(int id, String content) {
        ObjectNode t = JSON.createObjectNode();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
        return t;
    }

    private static void byteLevel(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "ByteLevel");
        g.writeBooleanField("add_prefix_space", false);
        g.writeBooleanField("trim_offsets", false);
        g.writeBooleanField("use_regex", false);
        g.writeEndObject();
    }
}
