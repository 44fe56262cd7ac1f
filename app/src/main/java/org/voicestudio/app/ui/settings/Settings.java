package org.voicestudio.app.ui.settings;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The studio's persisted choices, one small JSON file a user can read and edit.
 *
 * @param modelFolder  a real model folder, or null for the untrained demo model
 * @param voiceFolder  the voice library, or null for the default under the data dir
 * @param engines      engine id per stage name ("LLM", "FLOW", "VOCODER") last chosen
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Settings(String modelFolder, String voiceFolder, Map<String, String> engines) {
    public Settings {
        engines = engines == null ? Map.of() : Map.copyOf(engines);
    }

    public static final Settings DEFAULTS = new Settings(null, null, Map.of());

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Settings withModelFolder(Path p) { return new Settings(p == null ? null : p.toString(), voiceFolder, engines); }

    public Settings withVoiceFolder(Path p) { return new Settings(modelFolder, p == null ? null : p.toString(), engines); }

    public Settings withEngines(Map<String, String> e) { return new Settings(modelFolder, voiceFolder, e); }

    /** Reads {@code file}; a missing file gives the defaults, a broken one an error naming it. */
    public static Settings load(Path file) throws IOException {
        if (!Files.exists(file)) return DEFAULTS;
        try {
            Settings s = JSON.readValue(file.toFile(), Settings.class);
            return s == null ? DEFAULTS : s;
        } catch (IOException e) {
            throw new IOException("cannot read the settings file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes atomically (temp file + move), so a crash never leaves half a file. */
    public void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
