package org.voicestudio.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code studio serve} refuses what it cannot serve before it opens a port; the server itself is tested in app/serve. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void aMissingModelFolderIsRefusedWithItsName() {
        Path missing = dir.resolve("no-model");
        Cli.Run r = Cli.studio("serve", "--port", "0", "--model", missing.toString(), "--voices", dir.resolve("voices").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("no-model"), r.err());
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        Cli.Run r = Cli.studio("serve", "--port", "70000", "--model", dir.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--port must be 0..65535"), r.err());
    }

    @Test
    void theServerIsListedAmongTheCommands() {
        Cli.Run r = Cli.studio("--help");
        assertTrue(r.out().contains("serve"), r.out());
    }
}
