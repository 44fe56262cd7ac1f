package org.voicestudio.voices;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.loading.PtWriter;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * CosyVoice's saved speakers, {@code spk2info.pt} (reference §2.7): a dict from speaker id to
 * the dict {@code add_zero_shot_spk} stores — {@code prompt_text} [1, Lp] int32 and
 * {@code prompt_text_len} [1], {@code llm_prompt_speech_token} / {@code flow_prompt_speech_token}
 * [1, P] int32 with their {@code _len} [1], {@code prompt_speech_feat} [1, 2P, 80] float32 with
 * {@code prompt_speech_feat_len} [1], {@code llm_embedding} / {@code flow_embedding} [1, 192].
 */
public final class Spk2Info {
    private Spk2Info() {}

    /**
     * The speakers of a {@code spk2info.pt}, in file order.
     *
     * @param transcriptOf recovers a transcript from prompt text ids (e.g. a tokenizer's decode of
     *                     the part after {@code <|endofprompt|>}); null leaves transcripts empty
     */
    public static List<VoiceProfile> read(Path file, Function<int[], String> transcriptOf) throws IOException {
        try (PtReader.PtFile pt = PtReader.read(file)) {
            if (!(pt.root() instanceof Map<?, ?> speakers)) {
                throw new IOException(file + ": not a spk2info file (the root is " + describe(pt.root()) + ", expected a dict of speakers)");
            }
            List<VoiceProfile> out = new ArrayList<>();
            for (Map.Entry<?, ?> e : speakers.entrySet()) {
                String id = String.valueOf(e.getKey());
                if (!(e.getValue() instanceof Map<?, ?> entry)) throw new IOException(file + ": speaker '" + id + "' is " + describe(e.getValue()) + ", expected a dict");
                out.add(speaker(file, id, entry, transcriptOf));
            }
            return out;
        }
    }

    /**
     * Writes voices as a {@code spk2info.pt} the official loader reads ({@code torch.load}, zip
     * layout), keyed by voice name, each entry laid out as {@code add_zero_shot_spk} stores it:
     * the LM and flow share one token tensor and one embedding tensor, as in the official dict.
     */
    public static void write(Path file, List<VoiceProfile> voices) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        for (VoiceProfile v : voices) {
            if (root.containsKey(v.name())) throw new IllegalArgumentException("two voices are named '" + v.name() + "'");
            int[] text = v.promptTextIds();
            int[] tokens = v.promptSpeechTokens();
            Mel mel = v.promptMel();
            Tensor speechToken = Tensor.ofInts(tokens, 1, tokens.length);          // [1, P] int32
            Tensor speechTokenLen = Tensor.ofInts(new int[] {tokens.length}, 1);
            Tensor embedding = Tensor.ofFloats(v.embedding(), 1, VoiceProfile.EMBEDDING_DIM); // [1, 192]
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("prompt_text", Tensor.ofInts(text, 1, text.length));       // [1, Lp] int32
            entry.put("prompt_text_len", Tensor.ofInts(new int[] {text.length}, 1));
            entry.put("llm_prompt_speech_token", speechToken);
            entry.put("llm_prompt_speech_token_len", speechTokenLen);
            entry.put("flow_prompt_speech_token", speechToken);
            entry.put("flow_prompt_speech_token_len", speechTokenLen);
            entry.put("prompt_speech_feat", Tensor.ofFloats(mel.toTimeMajor(), 1, mel.frames(), mel.channels())); // [1, 2P, 80]
            entry.put("prompt_speech_feat_len", Tensor.ofInts(new int[] {mel.frames()}, 1));
            entry.put("llm_embedding", embedding);
            entry.put("flow_embedding", embedding);
            root.put(v.name(), entry);
        }
        PtWriter.write(file, root);
    }

    private static VoiceProfile speaker(Path file, String id, Map<?, ?> entry, Function<int[], String> transcriptOf) throws IOException {
        String where = file + ": speaker '" + id + "'";
        int[] text = ids(where, entry, "prompt_text");
        int[] flowTokens = ids(where, entry, "flow_prompt_speech_token");
        if (entry.containsKey("llm_prompt_speech_token")) {
            int[] llmTokens = ids(where, entry, "llm_prompt_speech_token");
            if (!Arrays.equals(llmTokens, flowTokens)) {
                // the official frontend stores the same tokens twice; a profile keeps one list
                throw new IOException(where + ": llm_prompt_speech_token and flow_prompt_speech_token differ; only entries written by add_zero_shot_spk are supported");
            }
        }
        Tensor feat = tensor(where, entry, "prompt_speech_feat");
        if (feat.rank() != 3 || feat.dim(0) != 1 || feat.dim(2) != VoiceProfile.MEL_CHANNELS || !feat.dtype().isFloatingPoint()) {
            throw new IOException(where + ": prompt_speech_feat must be float [1, frames, 80], is " + feat);
        }
        Mel mel = Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), VoiceProfile.MEL_CHANNELS);
        Tensor emb = tensor(where, entry, entry.containsKey("flow_embedding") ? "flow_embedding" : "llm_embedding");
        if (emb.numel() != VoiceProfile.EMBEDDING_DIM || !emb.dtype().isFloatingPoint()) throw new IOException(where + ": embedding must be 192 floats, is " + emb);
        String transcript = transcriptOf == null ? "" : transcriptOf.apply(text);
        try {
            return new VoiceProfile(id, "", transcript, text, flowTokens, mel, emb.toFloats(), Optional.empty());
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        }
    }

    private static Tensor tensor(String where, Map<?, ?> entry, String key) throws IOException {
        Object v = entry.get(key);
        if (v == null) throw new IOException(where + ": missing '" + key + "' (entries need " + "prompt_text, flow_prompt_speech_token, prompt_speech_feat, flow_embedding)");
        if (!(v instanceof Tensor t)) throw new IOException(where + ": '" + key + "' is " + describe(v) + ", expected a tensor");
        return t;
    }

    private static int[] ids(String where, Map<?, ?> entry, String key) throws IOException {
        Tensor t = tensor(where, entry, key);
        if (t.dtype().isFloatingPoint() || t.dtype() == DType.BOOL || t.rank() != 2 || t.dim(0) != 1) {
            throw new IOException(where + ": '" + key + "' must be integer ids [1, n], is " + t);
        }
        return t.toInts();
    }

    private static String describe(Object o) { return o == null ? "None" : o.getClass().getSimpleName(); }
}
