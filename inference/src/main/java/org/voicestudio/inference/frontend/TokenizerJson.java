package org.voicestudio.inference.frontend;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    private TokenizerJson() {}

    /** The tokenizer definition of {@code dir} with {@code toAdd} appended as special tokens. */
    public static ObjectNode build(Path dir, List<String> toAdd) throws IOException {
        Path tokenizerJson = dir.resolve("tokenizer.json");
        ObjectNode root = Files.isRegularFile(tokenizerJson) ? (ObjectNode) JSON.readTree(tokenizerJson.toFile()) : fromVocabAndMerges(dir);
        ArrayNode added = root.withArray("added_tokens");
        Map<String, Integer> present = new LinkedHashMap<>();
        int maxId = -1;
        for (JsonNode t : added) {
            present.put(t.get("content").asText(), t.get("id").asInt());
            maxId = Math.max(maxId, t.get("id").asInt());
        }
        for (Iterator<JsonNode> it = root.path("model").path("vocab").elements(); it.hasNext(); ) maxId = Math.max(maxId, it.next().asInt());
        int next = maxId + 1;
        for (String content : toAdd) {
            if (present.containsKey(content)) continue;
            added.add(addedToken(next, content));
            present.put(content, next++);
        }
        return root;
    }

    private static ObjectNode fromVocabAndMerges(Path dir) throws IOException {
        Path vocabFile = dir.resolve("vocab.json");
        Path mergesFile = dir.resolve("merges.txt");
        if (!Files.isRegularFile(vocabFile) || !Files.isRegularFile(mergesFile)) {
            throw new IOException(dir + ": no tokenizer found: expected tokenizer.json, or vocab.json and merges.txt (the CosyVoice-BlankEN layout)");
        }
        LinkedHashMap<String, Integer> vocab = JSON.readValue(vocabFile.toFile(), new TypeReference<LinkedHashMap<String, Integer>>() {});
        List<String> merges = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(mergesFile, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isEmpty() || (lineNo == 1 && line.startsWith("#version"))) continue;
            if (line.split(" ").length != 2) throw new IOException(mergesFile + " line " + lineNo + ": expected two symbols separated by one space, got '" + line + "'");
            merges.add(line);
        }

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (Map.Entry<Integer, String> e : baseAddedTokens(dir, vocab.size()).entrySet()) added.add(addedToken(e.getKey(), e.getValue()));
        root.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", QWEN2_SPLIT_REGEX);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        pres.add(byteLevel());
        root.set("post_processor", byteLevel());
        root.set("decoder", byteLevel());
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        return root;
    }

    /**
     * Tokens the folder declares beyond the BPE vocabulary: {@code added_tokens_decoder} of
     * {@code tokenizer_config.json} when present, else Qwen2's three specials after the vocabulary.
     */
    private static Map<Integer, String> baseAddedTokens(Path dir, int vocabSize) throws IOException {
        Map<Integer, String> out = new java.util.TreeMap<>();
        Path config = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode decoder = JSON.readTree(config.toFile()).path("added_tokens_decoder");
            for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
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

    private static ObjectNode byteLevel() {
        ObjectNode b = JSON.createObjectNode();
        b.put("type", "ByteLevel");
        b.put("add_prefix_space", false);
        b.put("trim_offsets", false);
        b.put("use_regex", false);
        return b;
    }

    static byte[] bytes(ObjectNode root) throws IOException { return JSON.writeValueAsBytes(root); }
}
