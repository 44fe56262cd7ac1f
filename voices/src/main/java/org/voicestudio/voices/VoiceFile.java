package org.voicestudio.voices;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One voice on disk ({@code <name>.voice}): a safetensors file whose {@code __metadata__} holds
 * {@code format} = {@value #FORMAT}, {@code version}, name, language, transcript and the source
 * recording's properties, and whose tensors are the {@code spk2info} entry's (§2.7) without the
 * batch dimension: {@code prompt_text} int32 (Lp), {@code prompt_speech_token} int32 (P),
 * {@code prompt_speech_feat} float32 (2P, 80) time-major, {@code embedding} float32 (192), and
 * the recording's bytes as {@code source_file} uint8. Written atomically (temp file + rename).
 */
public final class VoiceFile {
    public static final String FORMAT = "voicestudio-voice";
    /** Version written; readers accept this and older versions. */
    public static final int VERSION = 1;
    public static final String EXTENSION = ".voice";

    private VoiceFile() {}

    public static void write(Path file, VoiceProfile v) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", Integer.toString(VERSION));
        meta.put("name", v.name());
        meta.put("language", v.language());
        meta.put("transcript", v.transcript());
        Map<String, Tensor> t = new LinkedHashMap<>();
        int[] text = v.promptTextIds();
        int[] tokens = v.promptSpeechTokens();
        t.put("prompt_text", Tensor.ofInts(text, text.length));
        t.put("prompt_speech_token", Tensor.ofInts(tokens, tokens.length));
        t.put("prompt_speech_feat", Tensor.ofFloats(v.promptMel().toTimeMajor(), v.promptMel().frames(), v.promptMel().channels()));
        t.put("embedding", Tensor.ofFloats(v.embedding(), VoiceProfile.EMBEDDING_DIM));
        if (v.source().isPresent()) {
            SourceRecording s = v.source().get();
            meta.put("source_name", s.fileName());
            meta.put("source_sample_rate", Integer.toString(s.sampleRate()));
            meta.put("source_seconds", Double.toString(s.seconds()));
            byte[] bytes = s.bytes();
            t.put("source_file", new Tensor(DType.U8, new long[] {bytes.length}, MemorySegment.ofArray(bytes)));
        }
        SafeTensors.write(file, t, meta);
    }

    /** Reads a voice file; any problem is an {@link IOException} that names the file and what is wrong. */
    public static VoiceProfile read(Path file) throws IOException {
        Map<String, String> meta = SafeTensorsMetadata.read(file);
        if (!FORMAT.equals(meta.get("format"))) throw new IOException(file + ": not a Voice Studio voice file (format '" + meta.get("format") + "')");
        int version;
        try {
            version = Integer.parseInt(meta.getOrDefault("version", ""));
        } catch (NumberFormatException e) {
            throw new IOException(file + ": voice file without a valid version number");
        }
        if (version > VERSION) throw new IOException(file + ": voice file version " + version + " is newer than this program reads (" + VERSION + "); update Voice Studio");
        try (StateDict sd = SafeTensors.read(file)) {
            int[] text = ints(sd, "prompt_text");
            int[] tokens = ints(sd, "prompt_speech_token");
            Tensor feat = sd.get("prompt_speech_feat");
            if (feat.rank() != 2 || feat.dtype() != DType.F32) throw new IOException(file + ": prompt_speech_feat must be float32 (frames, 80), is " + feat);
            Mel mel = Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(0), (int) feat.dim(1));
            Tensor emb = sd.get("embedding");
            if (emb.dtype() != DType.F32) throw new IOException(file + ": embedding must be float32, is " + emb);
            Optional<SourceRecording> source = Optional.empty();
            if (sd.contains("source_file")) {
                Tensor bytes = sd.get("source_file");
                byte[] b = new byte[Math.toIntExact(bytes.numel())];
                MemorySegment.copy(bytes.data(), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b, 0, b.length);
                source = Optional.of(new SourceRecording(meta.getOrDefault("source_name", "recording"),
                        Integer.parseInt(meta.getOrDefault("source_sample_rate", "0")),
                        Double.parseDouble(meta.getOrDefault("source_seconds", "0")), b));
            }
            return new VoiceProfile(meta.getOrDefault("name", ""), meta.getOrDefault("language", ""), meta.getOrDefault("transcript", ""),
                    text, tokens, mel, emb.toFloats(), source);
        } catch (IllegalArgumentException e) {   // also a malformed number in the metadata
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static int[] ints(StateDict sd, String key) throws IOException {
        Tensor t = sd.get(key);
        if (t.dtype() != DType.I32 && t.dtype() != DType.I64) throw new IOException(sd.source() + ": " + key + " must hold integer ids, is " + t);
        return t.toInts();
    }
}
