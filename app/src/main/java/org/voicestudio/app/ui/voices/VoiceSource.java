package org.voicestudio.app.ui.voices;

import java.util.List;

/** Where the picker's voices come from (the voice library); read on a worker thread. */
@FunctionalInterface
public interface VoiceSource {
    /** The voices, and a sentence for each file that could not be read. */
    record Listing(List<VoiceItem> voices, List<String> problems) {
        public Listing {
            voices = List.copyOf(voices);
            problems = List.copyOf(problems);
        }
    }

    Listing list() throws Exception;
}
