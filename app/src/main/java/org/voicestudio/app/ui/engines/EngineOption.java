package org.voicestudio.app.ui.engines;

import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;

/** One engine as a choice for one stage, with whether it can run here and why not. */
public record EngineOption(String id, String displayName, Availability availability) {
    public static EngineOption of(Engine engine) {
        Availability a;
        try {
            a = engine.availability();
        } catch (RuntimeException | LinkageError e) {
            // an engine whose probe itself breaks (missing native library) is unavailable, not fatal
            a = Availability.no("could not check: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
        return new EngineOption(engine.id(), engine.displayName(), a);
    }

    public boolean available() { return availability.available(); }

    /** "PyTorch (DJL)" or "CUDA — no NVIDIA GPU found". */
    public String label() {
        return available() ? displayName : displayName + " — " + availability.reason();
    }
}
