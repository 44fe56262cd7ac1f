package org.voicestudio.app.ui.settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {
    @Test
    void savedSettingsReadBackAndAMissingFileGivesDefaults(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("config/settings.json");
        assertEquals(Settings.DEFAULTS, Settings.load(f));
        Settings s = Settings.DEFAULTS.withModelFolder(Path.of("/models/cv3")).withEngines(Map.of("FLOW", "cuda"));
        s.save(f);
        assertEquals(s, Settings.load(f));
    }

    @Test
    void aBrokenFileIsReportedByName(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("settings.json");
        Files.writeString(f, "{ not json");
        IOException e = assertThrows(IOException.class, () -> Settings.load(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void dirsFollowXdgAndTheOverride() {
        StudioDirs d = StudioDirs.resolve(Map.of("XDG_DATA_HOME", "/x/data"), "/home/u", null);
        assertEquals(Path.of("/home/u/.config/voicestudio"), d.config());
        assertEquals(Path.of("/x/data/voicestudio/models/cv3-tiny-random"), d.demoModel());
        assertEquals(Path.of("/p/config"), StudioDirs.resolve(Map.of(), "/home/u", "/p").config());
    }
}
