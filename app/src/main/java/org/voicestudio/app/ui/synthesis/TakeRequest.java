package org.voicestudio.app.ui.synthesis;

import org.voicestudio.inference.engine.Stage;

import java.util.EnumSet;
import java.util.Map;

/**
 * Everything one press of Synthesize asks for.
 *
 * @param voice    voice id in the library, or null for the model's default speaker
 * @param language frontend language ("auto" lets the frontend decide, as the official code does)
 * @param speed    speaking rate, 1.0 = as trained (applied by the pipeline, reference §6.2); 0.25 to 4.0,
 *                 OpenAI's range, which the local API accepts (the editor offers 0.5 to 2.0)
 * @param seed     sampling seed: the same request with the same seed gives the same take
 * @param engines  engine id per stage
 */
public record TakeRequest(String text, String voice, String language, double speed, long seed,
                               Map<Stage, String> engines) {
    public TakeRequest {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("there is no text to synthesize");
        if (!(speed >= 0.25 && speed <= 4.0)) throw new IllegalArgumentException("speed must be between 0.25 and 4.0, got " + speed);
        if (!engines.keySet().containsAll(EnumSet.allOf(Stage.class))) {
            throw new IllegalArgumentException("an engine is needed for every stage, got " + engines.keySet());
        }
        engines = Map.copyOf(engines);
    }
}
