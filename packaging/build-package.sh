#!/usr/bin/env bash
# Builds what a desktop user installs, with jpackage from the JDK:
#   packaging/build-package.sh                # app-image and .deb, into packaging/target/
#   packaging/build-package.sh app-image      # only the self-contained folder (packaging/target/voicestudio/)
#   packaging/build-package.sh deb            # only the .deb (builds the app-image first)
# The package holds the studio, its libraries, a Java runtime and the bundled demo model
# (models/cosyvoice3-demo/, when the checkout has it: the studio's default model); other models and
# the voice library stay in the user's folders (~/.local/share/voicestudio). Installing the .deb:
#   sudo apt install ./packaging/target/voicestudio_0.1.0_amd64.deb   then run: voicestudio
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/packaging/bin/jdk.sh"
find_jdk
find_maven

WHAT="${1:-all}"
case "$WHAT" in all|app-image|deb) ;; *) echo "usage: $0 [all|app-image|deb]" >&2; exit 2 ;; esac
VERSION=0.1.0
OUT="$ROOT/packaging/target"
NAME=voicestudio

echo "Building the studio ..." >&2
( cd "$ROOT" && mvn -B -q -ntp -DskipTests package ) >&2

rm -rf "$OUT"
mkdir -p "$OUT/input"
cp "$ROOT/app/target/app.jar" "$OUT/input/"
tr ':' '\n' < "$ROOT/app/target/classpath.txt" | while read -r jar; do
  [ -n "$jar" ] || continue
  if [ -e "$OUT/input/$(basename "$jar")" ]; then echo "two libraries share the file name $(basename "$jar"); cannot package" >&2; exit 1; fi
  cp "$jar" "$OUT/input/"
done

# the bundled demo model goes into the app folder (lib/app/models/cosyvoice3-demo); -Dvoicestudio.home
# points the studio there, as ./studio points it at the checkout
DEMO="$ROOT/models/cosyvoice3-demo"
if [ -f "$DEMO/cosyvoice3.yaml" ] && [ -f "$DEMO/llm.pt" ]; then
  mkdir -p "$OUT/input/models"
  cp -r "$DEMO" "$OUT/input/models/"
  echo "bundling the demo model ($(du -sh "$DEMO" | cut -f1))" >&2
else
  echo "note: $DEMO is not there; the package has no bundled model (the studio then makes an untrained demo model)" >&2
fi

# the options ./studio passes: native access for DJL/JavaCPP/ONNX Runtime, DJL without downloads
# (its natives ship in the pytorch-native-cpu jar), a deeper stack for the model code, and JavaFX
# software rendering (works on every desktop, including remote and virtual ones)
JAVA_OPTIONS=(--java-options "--enable-native-access=ALL-UNNAMED" --java-options "-Dai.djl.offline=true"
  --java-options "-Xss4m" --java-options "-Dprism.order=sw" --java-options "-Djavafx.allowjs=false"
  --java-options '-Dvoicestudio.home=$APPDIR')

echo "Making the app-image ..." >&2
"$JAVA_HOME/bin/jpackage" --type app-image --name "$NAME" --app-version "$VERSION" \
  --input "$OUT/input" --main-jar app.jar --main-class org.voicestudio.app.Main \
  "${JAVA_OPTIONS[@]}" --icon "$ROOT/packaging/icons/voicestudio.png" \
  --description "Local CosyVoice3 speech synthesis studio" --vendor "Voice Studio developers" \
  --copyright "GPL-3.0-or-later" --dest "$OUT"
echo "app-image: $OUT/$NAME (run $OUT/$NAME/bin/$NAME)" >&2

if [ "$WHAT" != app-image ]; then
  command -v dpkg-deb >/dev/null && command -v fakeroot >/dev/null || {
    echo "a .deb needs dpkg-deb and fakeroot (apt-get install dpkg-dev fakeroot)" >&2; exit 1; }
  echo "Making the .deb ..." >&2
  "$JAVA_HOME/bin/jpackage" --type deb --app-image "$OUT/$NAME" --name "$NAME" --app-version "$VERSION" \
    --linux-package-name "$NAME" --linux-package-deps "libgtk-3-0" --linux-app-category sound \
    --linux-menu-group "AudioVideo;Audio" --linux-shortcut --linux-deb-maintainer "voicestudio@localhost" \
    --description "Local CosyVoice3 speech synthesis studio" --vendor "Voice Studio developers" \
    --license-file "$ROOT/LICENSE" --resource-dir "$ROOT/packaging/deb" --dest "$OUT"
  echo ".deb: $(ls "$OUT"/*.deb)" >&2
fi
