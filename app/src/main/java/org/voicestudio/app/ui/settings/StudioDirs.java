package org.voicestudio.app.ui.settings;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the studio keeps its things for this user (XDG base directories): settings in
 * {@code $XDG_CONFIG_HOME/voicestudio}, the demo model and voices in {@code $XDG_DATA_HOME/voicestudio}.
 * {@code -Dvoicestudio.userdir=DIR} puts both under one folder (tests, portable installs).
 */
public record StudioDirs(Path config, Path data) {
    public static StudioDirs forUser() {
        return resolve(System.getenv(), System.getProperty("user.home"), System.getProperty("voicestudio.userdir"));
    }

    static StudioDirs resolve(Map<String, String> env, String home, String override) {
        if (override != null && !override.isBlank()) {
            Path root = Path.of(override);
            return new StudioDirs(root.resolve("config"), root.resolve("data"));
        }
        Path h = Path.of(home);
        Path config = nonBlank(env.get("XDG_CONFIG_HOME")) ? Path.of(env.get("XDG_CONFIG_HOME")) : h.resolve(".config");
        Path data = nonBlank(env.get("XDG_DATA_HOME")) ? Path.of(env.get("XDG_DATA_HOME")) : h.resolve(".local/share");
        return new StudioDirs(config.resolve("voicestudio"), data.resolve("voicestudio"));
    }

    private static boolean nonBlank(String s) { return s != null && !s.isBlank(); }

    /** Folder of the untrained demo model made on first run. */
    public Path demoModel() { return data.resolve("models/cv3-tiny-random"); }

    /** Default voice library folder. */
    public Path voices() { return data.resolve("voices"); }
}
