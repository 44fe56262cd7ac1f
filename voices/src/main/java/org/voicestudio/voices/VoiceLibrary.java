package org.voicestudio.voices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A folder of voices, one {@link VoiceFile} each. File names are the voice names with every
 * character outside {@code [A-Za-z0-9_-]} escaped as {@code %XX} (UTF-8), so any name maps to one
 * file and back. Writes are atomic. A file that cannot be read is reported in
 * {@link Listing#problems()} and skipped; it never stops the rest of the library from loading.
 */
public final class VoiceLibrary {
    private final Path dir;

    /** A voice file that could not be read, and why. */
    public record Problem(Path file, String message) {}

    /** The voices that loaded (by name) and the files that did not. */
    public record Listing(List<VoiceProfile> voices, List<Problem> problems) {
        public Listing {
            voices = List.copyOf(voices);
            problems = List.copyOf(problems);
        }
    }

    public VoiceLibrary(Path dir) { this.dir = dir; }

    /**
     * The user's library: {@code $VOICESTUDIO_HOME/voices}, else
     * {@code $XDG_DATA_HOME/voicestudio/voices}, else {@code ~/.local/share/voicestudio/voices}.
     */
    public static VoiceLibrary userLibrary() {
        String home = System.getenv("VOICESTUDIO_HOME");
        if (home != null && !home.isBlank()) return new VoiceLibrary(Path.of(home, "voices"));
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return new VoiceLibrary(base.resolve("voicestudio").resolve("voices"));
    }

    public Path dir() { return dir; }

    /** Every voice, sorted by name, and every unreadable file. */
    public Listing list() {
        List<VoiceProfile> voices = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) return new Listing(voices, problems);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + VoiceFile.EXTENSION)) {
            for (Path f : files) {
                try {
                    VoiceProfile v = VoiceFile.read(f);
                    if (!fileFor(v.name()).getFileName().equals(f.getFileName())) {
                        problems.add(new Problem(f, "holds voice '" + v.name() + "', which belongs in " + fileFor(v.name()).getFileName() + "; skipped"));
                        continue;
                    }
                    voices.add(v);
                } catch (IOException | RuntimeException e) {
                    problems.add(new Problem(f, e.getMessage() != null ? e.getMessage() : e.toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the voice library " + dir + ": " + e.getMessage(), e);
        }
        voices.sort(Comparator.comparing(VoiceProfile::name, String.CASE_INSENSITIVE_ORDER));
        problems.sort(Comparator.comparing(p -> p.file().getFileName().toString()));
        return new Listing(voices, problems);
    }

    /** The voice called {@code name}, if there is one; a corrupt file is an {@link IOException}. */
    public Optional<VoiceProfile> get(String name) throws IOException {
        Path f = fileFor(name);
        if (!Files.exists(f)) return Optional.empty();
        return Optional.of(VoiceFile.read(f));
    }

    /** Saves a new voice; a voice of the same name is an error unless {@code replace}. */
    public Path save(VoiceProfile voice, boolean replace) throws IOException {
        Files.createDirectories(dir);
        Path f = fileFor(voice.name());
        if (!replace && Files.exists(f)) {
            throw new FileAlreadyExistsException(f.toString(), null, "a voice named '" + voice.name() + "' already exists (remove it first or choose another name)");
        }
        VoiceFile.write(f, voice);
        return f;
    }

    /** Removes the voice called {@code name}. */
    public void remove(String name) throws IOException {
        try {
            Files.delete(fileFor(name));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(fileFor(name).toString(), null, "no voice named '" + name + "' in " + dir);
        }
    }

    /** The file of a voice name (escaped, reversible). */
    public Path fileFor(String name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name.strip().getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') sb.append(c);
            else sb.append('%').append(String.format("%02X", b & 0xff));
        }
        return dir.resolve(sb + VoiceFile.EXTENSION);
    }
}
