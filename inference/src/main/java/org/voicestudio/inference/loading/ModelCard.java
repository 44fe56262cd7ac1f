package org.voicestudio.inference.loading;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model folder's {@code MODEL_CARD.md}: what the studio shows about a model instead of guessing
 * from its files. An optional front matter block (Hugging Face model-card style) between two
 * {@code ---} lines holds {@code key: value} lines; the keys read here are {@code name} (the label
 * the studio shows; else the first {@code # } heading) and {@code weights} ({@code random} marks a
 * folder that does not speak, as {@code model random} writes it; anything else or absent means trained).
 *
 * @param name        the model's display name
 * @param trained     false only when the card says {@code weights: random}
 * @param frontMatter every front matter entry, in file order
 */
public record ModelCard(String name, boolean trained, Map<String, String> frontMatter) {
    public static final String FILE = "MODEL_CARD.md";

    public ModelCard {
        frontMatter = Map.copyOf(frontMatter);
    }

    /** The card of {@code dir}, or empty when the folder has none. */
    public static Optional<ModelCard> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return Optional.empty();
        return Optional.of(parse(Files.readString(file, StandardCharsets.UTF_8), dir.getFileName() == null ? dir.toString() : dir.getFileName().toString()));
    }

    /** Parses a card's text; {@code fallbackName} when it names nothing. */
    static ModelCard parse(String text, String fallbackName) {
        List<String> lines = text.lines().toList();
        Map<String, String> front = new LinkedHashMap<>();
        int body = 0;
        if (!lines.isEmpty() && lines.getFirst().strip().equals("---")) {
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.strip().equals("---")) { body = i + 1; break; }
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith(" ") && !line.startsWith("#")) {
                    front.put(line.substring(0, colon).strip(), unquote(line.substring(colon + 1).strip()));
                }
            }
        }
        String name = front.get("name");
        if (name == null || name.isBlank()) {
            name = lines.subList(body, lines.size()).stream().filter(l -> l.startsWith("# ")).map(l -> l.substring(2).strip())
                    .findFirst().orElse(fallbackName);
        }
        boolean trained = !"random".equalsIgnoreCase(front.getOrDefault("weights", ""));
        return new ModelCard(name, trained, front);
    }

    private static String unquote(String v) {
        return v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'")) ? v.substring(1, v.length() - 1) : v;
    }
}
