package org.voicestudio.app.ui;

import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Stage;

import java.util.EnumSet;
import java.util.Set;

/** An engine entry for listing tests: only its id, name, stages and availability matter there. */
record TestEngine(String id, String displayName, Availability availability) implements Engine {
    @Override
    public Set<Stage> stages() { return EnumSet.allOf(Stage.class); }
}
