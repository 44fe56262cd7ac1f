package org.voicestudio.inference.pipeline;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link VoicePrompt} saved as safetensors, with the official {@code spk2info} entry's names
 * and layouts (reference §2.7): {@code prompt_text} int32 (Lp), {@code prompt_speech_token} int32
 * (P), {@code prompt_speech_feat} float32 (2P, 80) time-major, {@code embedding} float32 (192).
 * Lets {@code studio synth} run on a voice without the prompt-audio frontend.
 */
public final class VoicePromptFile {
    /** {@code __metadata__["format"]} of these files. */
    public static final String FORMAT = "voicestudio-voice-prompt/1";

    private VoicePromptFile() {}

    public static void write(Path file, VoicePrompt voice) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("prompt_text", Tensor.ofInts(voice.promptTextIds(), voice.promptTextIds().length));
        t.put("prompt_speech_token", Tensor.ofInts(voice.promptSpeechTokens(), voice.promptSpeechTokens().length));
        Mel mel = voice.promptMel();
        t.put("prompt_speech_feat", Tensor.ofFloats(mel.toTimeMajor(), mel.frames(), mel.channels()));
        t.put("embedding", Tensor.ofFloats(voice.embedding(), voice.embedding().length));
        SafeTensors.write(file, t, Map.of("format", FORMAT));
    }

    public static VoicePrompt read(Path file) throws IOException {
        try (StateDict sd = SafeTensors.read(file)) {
            int[] text = ints(sd, "prompt_text");
            int[] tokens = ints(sd, "prompt_speech_token");
            Tensor feat = sd.get("prompt_speech_feat");
            if (feat.rank() != 2 || feat.dtype() != DType.F32) {
                throw new IOException(file + ": 'prompt_speech_feat' must be float32 (frames, mels), is " + feat);
            }
            Mel mel = Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(0), (int) feat.dim(1));
            Tensor emb = sd.get("embedding");
            if (emb.dtype() != DType.F32) throw new IOException(file + ": 'embedding' must be float32, is " + emb);
            try {
                return new VoicePrompt(text, tokens, mel, emb.toFloats());
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
        } catch (StateDict.MissingKeyException e) {
            throw new IOException(e.getMessage() + " (a voice prompt file needs prompt_text, prompt_speech_token, prompt_speech_feat, embedding)", e);
        }
    }

    private static int[] ints(StateDict sd, String key) throws IOException {
        Tensor t = sd.get(key);
        if (t.dtype() != DType.I32 && t.dtype() != DType.I64) throw new IOException(sd.source() + ": '" + key + "' must hold integer ids, is " + t);
        return t.toInts();
    }
}
