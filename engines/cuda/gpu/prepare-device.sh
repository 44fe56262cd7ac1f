#!/usr/bin/env bash
# Builds what a GPU run needs and stages it in <checkout>/.device (git-ignored), which the device
# tool carries to the GPU machine (no Java, no Maven, no network there). Run here, on the build
# machine:   engines/cuda/gpu/prepare-device.sh [/work/main]
# from the checkout whose code should run; the argument is where .device goes: the device tool copies the
# session's own checkout (/work/main), not a helper's worktree, so keep the default there.
# Stages: a jlink'd Java runtime, the engine + inference jars and their JavaCPP jars (JNI glue only,
# no -redist), the test classes, the JUnit console launcher, the golden files the GPU tests read
# (never committed), run-on-gpu.sh, the studio CLI's own jars (app, voices, picocli: `studio bench --engines cuda`
# in bench-all), the commit it was built from, and the DJL CPU results measured here (djl-cpu-bench.md).
# Total under the tool's 64 MiB (about 55 MB).
# The tokenizer (DJL HF tokenizers, ~19 MB) and ICU4J (~15 MB) jars of the inference frontend are left out:
# no engine class uses them, and with them .device would pass the 64 MiB the device tool carries.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
DEST="${1:-/work/main}/.device"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
GOLDEN="${GOLDEN_DIR:-$ROOT/../shared/golden}"
[ -d "$GOLDEN" ] || GOLDEN=/work/shared/golden

cd "$ROOT"
# one reactor build, so the classpath names this checkout's inference jars, not whatever another
# branch installed into ~/.m2
mvn -B -q -o -pl engines/cuda,app -am package dependency:build-classpath -DskipTests \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/gpu-classpath.txt 2>&1 | grep -v '^WARNING' || true

mkdir -p "$DEST/lib" "$DEST/golden/cv3-tiny"
rm -f "$DEST"/lib/*.jar
tr ':' '\n' < engines/cuda/target/gpu-classpath.txt | grep -vE '/(junit|opentest4j|apiguardian|tokenizers|icu4j)-' | while read -r jar; do
  [ -n "$jar" ] && cp "$jar" "$DEST/lib/"
done
cp engines/cuda/target/engine-cuda-*.jar "$DEST/lib/"
ls "$DEST"/lib/jackson-databind-*.jar "$DEST"/lib/inference-*-tests.jar >/dev/null
rm -rf "$DEST/test-classes" && cp -r engines/cuda/target/test-classes "$DEST/test-classes"
cp ~/.m2/repository/org/junit/platform/junit-platform-console-standalone/1.14.1/junit-platform-console-standalone-1.14.1.jar "$DEST/"
# the checkpoints, the reference tensors, and what ModelFolder.open needs (config + hift.pt) for the engine test
mkdir -p "$DEST/golden/cv3-tiny/CosyVoice-BlankEN"
cp "$GOLDEN/cv3-tiny/llm.pt" "$GOLDEN/cv3-tiny/flow.pt" "$GOLDEN/cv3-tiny/hift.pt" "$GOLDEN/cv3-tiny/golden.safetensors" \
   "$GOLDEN/cv3-tiny/cosyvoice3.yaml" "$DEST/golden/cv3-tiny/"
cp "$GOLDEN/cv3-tiny/CosyVoice-BlankEN/config.json" "$DEST/golden/cv3-tiny/CosyVoice-BlankEN/"
cp engines/cuda/gpu/run-on-gpu.sh "$DEST/"
# the studio CLI for `studio bench --engines cuda`: its JavaFX, DJL, ONNX Runtime and tokenizer jars stay behind
# (the bench and model commands do not load them, and they would pass 64 MiB)
mkdir -p "$DEST/app"
rm -f "$DEST"/app/*.jar
cp app/target/app.jar voices/target/voices-*[0-9T].jar "$DEST/app/"
tr ':' '\n' < app/target/gpu-classpath.txt | grep '/picocli-' | xargs -r cp -t "$DEST/app/"
echo "$(git -C "$ROOT" rev-parse --abbrev-ref HEAD) $(git -C "$ROOT" log -1 --format='%h %s (%cd)' --date=iso)$(git -C "$ROOT" diff --quiet HEAD || echo ', with uncommitted changes')" > "$DEST/commit.txt"
rm -f "$DEST/djl-cpu-bench.md"
[ -f engines/cuda/gpu/djl-cpu-bench.md ] && cp engines/cuda/gpu/djl-cpu-bench.md "$DEST/"

if [ ! -f "$DEST/jre.tar.xz" ]; then
  rm -rf /tmp/vs-jre
  "$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported,java.xml,jdk.zipfs \
    --strip-debug --no-header-files --no-man-pages --output /tmp/vs-jre
  tar -C /tmp -cJf "$DEST/jre.tar.xz" vs-jre
fi
du -sh "$DEST"
# The device tool carries the whole working tree (tracked + untracked-not-ignored files) plus .device, 64 MiB in
# all. The bundled demo model (models/, ~47 MB) alone nearly fills that: say so, and how to run anyway.
CHECKOUT="$(dirname "$DEST")"
tree_kb=$(cd "$CHECKOUT" && git ls-files -co --exclude-standard -z | xargs -0 du -ck 2>/dev/null | tail -1 | cut -f1)
dev_kb=$(du -sk "$DEST" | cut -f1)
if [ $(( tree_kb + dev_kb )) -gt $(( 64 * 1024 )) ]; then
  echo "NOTE: the working tree (${tree_kb} KiB) + .device (${dev_kb} KiB) pass the device tool's 64 MiB."
  echo "      The GPU run does not need models/: move it aside for the run and back afterwards:"
  echo "      mv $CHECKOUT/models /tmp/vs-models-aside   ...run...   mv /tmp/vs-models-aside $CHECKOUT/models"
fi
