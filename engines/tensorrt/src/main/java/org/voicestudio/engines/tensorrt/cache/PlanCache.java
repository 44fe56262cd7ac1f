package org.voicestudio.engines.tensorrt.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Serialized engines on disk:
 * <pre>
 * &lt;root&gt;/                                  default ~/.cache/voicestudio/tensorrt
 *   &lt;gpu&gt;-sm&lt;cc&gt;/trt-&lt;version&gt;/             nvidia-h200-sm90/trt-10.15.1/
 *     &lt;plan&gt;-&lt;digest&gt;.engine              dit-fp16-streaming-0123456789abcdef.engine
 *     &lt;plan&gt;-&lt;digest&gt;.key                 the {@link PlanKey#canonical()} text it was built for
 * </pre>
 * A plan is used only when its .key matches exactly. A new plan is written to a temporary file and moved into
 * place when complete, so a failed or interrupted build never replaces or corrupts a plan that worked.
 */
public final class PlanCache {

    /** Builds the serialized engine for a key; may take minutes. */
    @FunctionalInterface
    public interface Builder {
        byte[] build(PlanKey key) throws Exception;
    }

    /** Where a plan came from. */
    public sealed interface Resolution {
        Path file();
        record Cached(Path file) implements Resolution {}
        record Built(Path file, long millis) implements Resolution {}
    }

    /** A build failed; {@code kept} lists the plans of the same name that were left untouched. */
    public static final class BuildFailedException extends IOException {
        private final java.util.List<Path> kept;

        BuildFailedException(String message, Throwable cause, java.util.List<Path> kept) {
            super(message, cause);
            this.kept = java.util.List.copyOf(kept);
        }

        public java.util.List<Path> kept() { return kept; }
    }

    private final Path root;

    public PlanCache(Path root) { this.root = root; }

    /** {@code $VOICESTUDIO_TRT_CACHE}, else {@code ~/.cache/voicestudio/tensorrt}. */
    public static PlanCache defaultLocation() {
        String env = System.getenv("VOICESTUDIO_TRT_CACHE");
        return new PlanCache(env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "voicestudio", "tensorrt"));
    }

    public Path root() { return root; }

    public Path folder(PlanKey key) {
        return root.resolve(key.gpuFolder()).resolve("trt-" + key.tensorRtVersion().replaceAll("[^0-9A-Za-z.]+", "_"));
    }

    public Path planFile(PlanKey key) { return folder(key).resolve(key.planName() + "-" + key.digest() + ".engine"); }

    public Path keyFile(PlanKey key) { return folder(key).resolve(key.planName() + "-" + key.digest() + ".key"); }

    /** The cached plan for exactly this key, if there is one. */
    public java.util.Optional<Path> lookup(PlanKey key) throws IOException {
        Path plan = planFile(key), keyFile = keyFile(key);
        if (!Files.isRegularFile(plan) || Files.size(plan) == 0 || !Files.isRegularFile(keyFile)) return java.util.Optional.empty();
        String stored = Files.readString(keyFile, StandardCharsets.UTF_8);
        return stored.equals(key.canonical()) ? java.util.Optional.of(plan) : java.util.Optional.empty();
    }

    /** The cached plan, else a new one from {@code builder}, written atomically. */
    public Resolution loadOrBuild(PlanKey key, Builder builder) throws IOException {
        java.util.Optional<Path> hit = lookup(key);
        if (hit.isPresent()) return new Resolution.Cached(hit.get());
        Path dir = folder(key);
        Files.createDirectories(dir);
        long start = System.nanoTime();
        byte[] bytes;
        try {
            bytes = builder.build(key);
            if (bytes == null || bytes.length == 0) throw new IllegalStateException("TensorRT returned an empty engine");
        } catch (Exception e) {
            throw new BuildFailedException("building TensorRT plan " + key.planName() + " for " + key.gpuName() + " (sm "
                    + key.computeCapability() + ", TensorRT " + key.tensorRtVersion() + ") failed: " + e.getMessage()
                    + "; cached plans were left as they were", e, existing(key.planName()));
        }
        Path tmp = Files.createTempFile(dir, key.planName() + "-", ".partial");
        try {
            Files.write(tmp, bytes);
            Files.writeString(keyFile(key), key.canonical(), StandardCharsets.UTF_8);
            move(tmp, planFile(key));
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Resolution.Built(planFile(key), (System.nanoTime() - start) / 1_000_000);
    }

    /** Every cached engine file of this plan name, under any GPU, version or key. */
    public java.util.List<Path> existing(String planName) throws IOException {
        if (!Files.isDirectory(root)) return java.util.List.of();
        try (var s = Files.walk(root, 3)) {
            return s.filter(p -> p.getFileName().toString().startsWith(planName + "-") && p.toString().endsWith(".engine")).sorted().toList();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
