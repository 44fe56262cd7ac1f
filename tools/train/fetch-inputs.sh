#!/usr/bin/env bash
# Fetch the training inputs into .train/ (git-ignored, carried to the GPU machine):
#   .train/espeak/      espeak-ng 1.51 (Debian bookworm) binary, libraries and the
#                       espeak-ng-data subset for Spanish and English
#   .train/corpus-es.txt, .train/corpus-en.txt   sentence corpora (fortunes-es, fortunes, fortunes-min)
# Runs on the development machine (needs apt-get, dpkg, gcc, python3). Idempotent: starts from scratch.
# Run from the repository root: tools/train/fetch-inputs.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T="$ROOT/.train"
DL="$T/debs"
rm -rf "$T"
mkdir -p "$DL" "$T/espeak"
cd "$DL"
apt-get download espeak-ng libespeak-ng1 espeak-ng-data libsonic0 libpcaudio0 \
    fortunes-es fortunes fortunes-min >/dev/null 2>&1 \
  || { echo "apt-get download failed (needs the Debian package index: apt-get update)" >&2; exit 1; }
X="$DL/x"
for f in *.deb; do dpkg -x "$f" "$X"; done

E="$T/espeak"
mkdir -p "$E/bin" "$E/lib"
cp "$X/usr/bin/espeak-ng" "$E/bin/"
cp -L "$X/usr/lib/x86_64-linux-gnu/libespeak-ng.so.1" "$X/usr/lib/x86_64-linux-gnu/libsonic.so.0" "$E/lib/"
# libpcaudio is only used for live playback and drags in ALSA + PulseAudio; we
# write files only, so link a device-less build of it (tools/train/pcaudio-null.c).
gcc -O2 -shared -fPIC -Wl,-soname,libpcaudio.so.0 -o "$E/lib/libpcaudio.so.0" "$ROOT/tools/train/pcaudio-null.c"

# espeak-ng-data subset: phoneme tables, es/en dictionaries, es/en language
# definitions and the voice variants data.py uses.
SRC="$X/usr/lib/x86_64-linux-gnu/espeak-ng-data"
D="$E/espeak-ng-data"
mkdir -p "$D/lang/roa" "$D/lang/gmw" "$D/voices/!v"
cp "$SRC"/{phondata,phonindex,phontab,intonations,es_dict,en_dict} "$D/"
cp "$SRC"/lang/roa/{es,es-419} "$D/lang/roa/"
cp "$SRC"/lang/gmw/{en,en-US} "$D/lang/gmw/"
for v in m1 m2 m3 m4 m7 f1 f2 f4 f5; do cp "$SRC/voices/!v/$v" "$D/voices/!v/"; done

python3 "$ROOT/tools/train/corpus.py" "$X/usr/share/games/fortunes" "$T"
cp "$X/usr/share/doc/espeak-ng-data/copyright" "$T/espeak/COPYRIGHT-espeak-ng"
cp "$X/usr/share/doc/fortunes-es/copyright" "$T/COPYRIGHT-fortunes-es"
cp "$X/usr/share/doc/fortunes/copyright" "$T/COPYRIGHT-fortunes"
rm -rf "$DL"

# Smoke test: the carried espeak-ng runs from .train alone.
out=$(mktemp --suffix=.wav)
LD_LIBRARY_PATH="$E/lib" "$E/bin/espeak-ng" --path="$E" -v es+m3 -w "$out" "¿Dónde está la biblioteca?"
LD_LIBRARY_PATH="$E/lib" "$E/bin/espeak-ng" --path="$E" -v en-us+f2 --stdout "Hello there." > /dev/null
echo "espeak-ng from .train: OK ($(stat -c %s "$out") bytes of wav for a test sentence)"
if command -v espeak-ng >/dev/null && espeak-ng --version | grep -q '1\.51'; then
  # the same version installed system-wide: the carried copy must produce the same bytes
  a=$(LD_LIBRARY_PATH="$E/lib" "$E/bin/espeak-ng" --path="$E" -v es-419+f4 -s 160 -p 60 --stdout "Hola, ¿qué tal?" | md5sum)
  b=$(espeak-ng -v es-419+f4 -s 160 -p 60 --stdout "Hola, ¿qué tal?" | md5sum)
  [ "$a" = "$b" ] && echo "carried espeak-ng output identical to the system espeak-ng 1.51" \
    || { echo "carried espeak-ng output differs from the system espeak-ng" >&2; exit 1; }
fi
rm -f "$out"
du -sh "$T" "$E" "$T"/corpus-*.txt
