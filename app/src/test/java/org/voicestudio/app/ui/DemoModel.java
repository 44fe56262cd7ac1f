package org.voicestudio.app.ui;

import java.io.IOException;
import java.nio.file.Path;

/** Makes the studio's demo model for tests in other packages, the way the studio does on first run. */
public final class DemoModel {
    private DemoModel() {}

    public static void ensure(Path folder) throws IOException { Inference.ensureDemo(folder); }
}
