package org.voicestudio.app.ui.voices;

import java.nio.file.Path;
import java.util.List;

/** Makes a library voice from a recording and its transcript (the voices module); worker thread. */
@FunctionalInterface
public interface VoiceMaker {
    /** The new voice's name and the warnings about its recording (e.g. clipping). */
    record Made(String name, List<String> warnings) {
        public Made { warnings = List.copyOf(warnings); }
    }

    Made make(String name, String language, String transcript, Path recording) throws Exception;
}
