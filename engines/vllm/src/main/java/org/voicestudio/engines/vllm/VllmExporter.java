package org.voicestudio.engines.vllm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes CosyVoice3's LLM as a plain Hugging Face {@code Qwen2ForCausalLM} checkpoint that a stock
 * vLLM serves with token ids (reference §3.7): {@code embed_tokens} = the Qwen text rows followed
 * by {@code speech_embedding}, {@code lm_head} = zero text rows followed by {@code llm_decoder}
 * (requests pass {@code allowed_token_ids}, so text rows are never sampled and the softmax runs
 * over the speech rows alone, as in the official head), both padded to a multiple of 128.
 */
public final class VllmExporter {
    /** Name the server should serve the checkpoint under ({@code --served-model-name}). */
    public static final String SERVED_MODEL_NAME = "cosyvoice3-speech-lm";
    public static final String METADATA_FILE = "voicestudio_vllm.json";
    private static final long SHARD_BYTES = 2_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Precision { BF16, F32 }

    private VllmExporter() {}

    /** The vocabulary layout an export of this model uses. */
    public static SpeechVocabulary vocabulary(ModelConfig config) {
        ModelConfig.LlmConfig llm = config.llm();
        return new SpeechVocabulary(llm.textVocabSize(), llm.speechTokenSize(), llm.speechVocabSize());
    }

    public static void export(ModelFolder model, Path out, Precision precision) throws IOException {
        ModelConfig.LlmConfig llm = model.config().llm();
        SpeechVocabulary vocab = vocabulary(model.config());
        StateDict w = model.llmWeights();
        int hidden = llm.hiddenSize();
        Files.createDirectories(out);

        DType dtype = precision == Precision.BF16 ? DType.BF16 : DType.F32;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            tensors.put("model.embed_tokens.weight", stackRows(arena, dtype, vocab.paddedVocabSize(), hidden,
                    w.get("llm.model.model.embed_tokens.weight", llm.textVocabSize(), hidden),
                    w.get("speech_embedding.weight", llm.speechVocabSize(), hidden), vocab.speechOffset()));
            tensors.put("lm_head.weight", stackRows(arena, dtype, vocab.paddedVocabSize(), hidden,
                    null, w.get("llm_decoder.weight", llm.speechVocabSize(), hidden), vocab.speechOffset()));
            String prefix = "llm.model.model.";
            for (String key : w.keys()) {
                if (key.startsWith(prefix + "layers.") || key.equals(prefix + "norm.weight")) {
                    tensors.put("model." + key.substring(prefix.length()), convert(arena, w.get(key), dtype));
                }
            }
            writeShards(out, tensors);
        }
        writeConfig(model, out, vocab, precision);
        writeMetadata(model, out, vocab, precision);
        copyTokenizerFiles(model.dir().resolve("CosyVoice-BlankEN"), out);
    }

    /** [rows, hidden]: text rows (or zeros), then the speech rows at {@code offset}, then zeros. */
    private static Tensor stackRows(Arena arena, DType dtype, int rows, int hidden, Tensor text, Tensor speech, int offset) {
        MemorySegment seg = arena.allocate((long) rows * hidden * dtype.byteSize(), 8);
        if (text != null) copyRows(text, seg, 0, dtype);
        copyRows(speech, seg, (long) offset * hidden, dtype);
        return new Tensor(dtype, new long[] {rows, hidden}, seg);
    }

    private static void copyRows(Tensor src, MemorySegment dst, long firstElement, DType dtype) {
        float[] values = src.toFloats();
        putAll(values, dst, firstElement, dtype);
    }

    private static Tensor convert(Arena arena, Tensor t, DType dtype) {
        MemorySegment seg = arena.allocate(t.numel() * dtype.byteSize(), 8);
        putAll(t.toFloats(), seg, 0, dtype);
        return new Tensor(dtype, t.shape(), seg);
    }

    private static void putAll(float[] values, MemorySegment dst, long firstElement, DType dtype) {
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfShort i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            if (dtype == DType.F32) dst.setAtIndex(f32, firstElement + i, values[i]);
            else dst.setAtIndex(i16, firstElement + i, toBf16(values[i]));
        }
    }

    /** float32 to bfloat16 with round-to-nearest-even (what torch's .to(bfloat16) does). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void writeShards(Path out, Map<String, Tensor> tensors) throws IOException {
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long bytes = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long size = e.getValue().data().byteSize();
            if (!current.isEmpty() && bytes + size > SHARD_BYTES) {
                shards.add(current);
                current = new LinkedHashMap<>();
                bytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            bytes += size;
        }
        shards.add(current);
        Map<String, String> meta = Map.of("format", "pt");
        if (shards.size() == 1) {
            SafeTensors.write(out.resolve("model.safetensors"), shards.getFirst(), meta);
            return;
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", tensors.values().stream().mapToLong(t -> t.data().byteSize()).sum());
        ObjectNode map = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafeTensors.write(out.resolve(name), shards.get(i), meta);
            for (String key : shards.get(i).keySet()) map.put(key, name);
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("model.safetensors.index.json").toFile(), index);
    }

    private static void writeConfig(ModelFolder model, Path out, SpeechVocabulary vocab, Precision precision) throws IOException {
        ModelConfig.LlmConfig llm = model.config().llm();
        Path source = model.dir().resolve("CosyVoice-BlankEN/config.json");
        ObjectNode config = Files.exists(source) ? (ObjectNode) JSON.readTree(source.toFile()) : JSON.createObjectNode();
        config.putArray("architectures").add("Qwen2ForCausalLM");
        config.put("model_type", "qwen2");
        config.put("hidden_size", llm.hiddenSize());
        config.put("num_hidden_layers", llm.numLayers());
        config.put("num_attention_heads", llm.numHeads());
        config.put("num_key_value_heads", llm.numKvHeads());
        config.put("intermediate_size", llm.intermediateSize());
        config.put("rms_norm_eps", llm.rmsNormEps());
        config.put("rope_theta", llm.ropeTheta());
        config.put("vocab_size", vocab.paddedVocabSize());
        config.put("tie_word_embeddings", false);
        config.put("torch_dtype", precision == Precision.BF16 ? "bfloat16" : "float32");
        config.put("bos_token_id", vocab.sosServerId());
        config.put("eos_token_id", vocab.eosServerId());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), config);

        ObjectNode generation = JSON.createObjectNode();
        ArrayNode eos = generation.putArray("eos_token_id");
        for (int id : vocab.stopServerIds()) eos.add(id);
        generation.put("bos_token_id", vocab.sosServerId());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("generation_config.json").toFile(), generation);
    }

    private static void writeMetadata(ModelFolder model, Path out, SpeechVocabulary vocab, Precision precision) throws IOException {
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", "voicestudio-cosyvoice3-vllm");
        meta.put("format_version", 1);
        meta.put("source_model", model.dir().toAbsolutePath().toString());
        meta.put("served_model_name", SERVED_MODEL_NAME);
        meta.put("dtype", precision == Precision.BF16 ? "bfloat16" : "float32");
        meta.put("text_vocab_size", vocab.textVocabSize());
        meta.put("speech_token_offset", vocab.speechOffset());
        meta.put("speech_token_size", vocab.speechTokenSize());
        meta.put("speech_vocab_size", vocab.speechVocabSize());
        meta.put("padded_vocab_size", vocab.paddedVocabSize());
        meta.put("sos_id", vocab.sosServerId());
        meta.put("eos_id", vocab.eosServerId());
        meta.put("task_id", vocab.taskIdServerId());
        meta.put("stop_token_ids_from", vocab.stopServerIds()[0]);
        meta.put("stop_token_ids_to_exclusive", vocab.stopServerIds()[vocab.stopServerIds().length - 1] + 1);
        meta.put("note", "lm_head text rows are zero: pass allowed_token_ids = the speech rows with every request");
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve(METADATA_FILE).toFile(), meta);
    }

    private static void copyTokenizerFiles(Path blankEn, Path out) throws IOException {
        for (String name : List.of("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json")) {
            Path f = blankEn.resolve(name);
            if (Files.isRegularFile(f)) Files.copy(f, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Reads the vocabulary layout back from an export's metadata file. */
    public static SpeechVocabulary readVocabulary(Path exportDir) throws IOException {
        Path f = exportDir.resolve(METADATA_FILE);
        if (!Files.isRegularFile(f)) throw new IOException(exportDir + " is not a Voice Studio vLLM export (no " + METADATA_FILE + ")");
        var meta = JSON.readTree(f.toFile());
        return new SpeechVocabulary(meta.path("text_vocab_size").asInt(), meta.path("speech_token_size").asInt(), meta.path("speech_vocab_size").asInt());
    }
}
