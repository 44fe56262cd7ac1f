package org.voicestudio.app.ui;

import org.voicestudio.app.ui.model.ModelViewModel;

/**
 * Where the studio meets {@code inference/}: how a model folder becomes a
 * {@link org.voicestudio.app.ui.synthesis.Synthesizer} and how the untrained demo model is made.
 */
final class Inference {
    private Inference() {}

    static final String NO_PIPELINE = "This build has no synthesis pipeline yet (inference/pipeline is not merged), so nothing can be synthesized";

    /** Opens a model folder for synthesis. */
    static ModelViewModel.Loader loader() {
        return folder -> {
            throw new UnsupportedOperationException(NO_PIPELINE);
        };
    }

    /** Makes the tiny random-weight CosyVoice3 model on first run. */
    static ModelViewModel.DemoMaker demoMaker() {
        return folder -> { };
    }
}
