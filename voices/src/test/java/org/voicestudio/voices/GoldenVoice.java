package org.voicestudio.voices;

import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.util.Optional;

/** A voice made of the golden fixture's prompt tensors (flow_prompt_token/feat, flow_embedding, llm_prompt_text). */
final class GoldenVoice {
    private GoldenVoice() {}

    static VoiceProfile named(String name, Optional<SourceRecording> source) {
        Tensor feat = Golden.tensor("flow_prompt_feat"); // [1, 24, 80]
        Mel mel = Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2));
        return new VoiceProfile(name, "es", "Hola, esto es una prueba.", Golden.tensor("llm_prompt_text").toInts(),
                Golden.tensor("flow_prompt_token").toInts(), mel, Golden.tensor("flow_embedding").toFloats(), source);
    }
}
