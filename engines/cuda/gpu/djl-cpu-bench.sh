#!/usr/bin/env bash
# The DJL (PyTorch CPU) side of the CUDA-vs-DJL comparison, run on the BUILD machine: DJL's CPU natives
# (a 112 MB jar) cannot be carried to the GPU machine (64 MiB), and DJL 0.36's JNI only loads PyTorch 2.7.1,
# not the GPU machine's Python torch. Writes engines/cuda/gpu/djl-cpu-bench.md, which prepare-device.sh
# stages so that run-on-gpu.sh bench-all puts it into results.md next to the CUDA numbers.
#   engines/cuda/gpu/djl-cpu-bench.sh [MODEL_DIR] [TOKENS]
# MODEL_DIR: a full-geometry folder (written with `./studio model random --geometry full --seed 1` if missing);
# TOKENS: the fixed token budget (default 50; the GPU runs use 250 and 500, but one 250-token DJL run takes
# several minutes of both cores of the build machine).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
MODEL="${1:-/tmp/vs-full}"
TOKENS="${2:-50}"
OUTFILE="$ROOT/engines/cuda/gpu/djl-cpu-bench.md"
cd "$ROOT"
[ -f "$MODEL/llm.pt" ] || ./studio model random --geometry full --seed 1 --out "$MODEL"
CMD=(./studio bench --model "$MODEL" --tokens "$TOKENS" --engines djl --stream --repeats 1 --warmup 0)
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
START=$(date +%s)
RESULT="$("${CMD[@]}" 2>&1 | grep -v "NNPACK.cpp")"  # PyTorch warns once per thread pool that this CPU has no NNPACK
{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC on the build machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
       "$(free -g | awk '/Mem:/{print $2}') GiB, shared with other builds (load average $LOAD_BEFORE before, $(cut -d' ' -f1-3 /proc/loadavg) after);" \
       "$(( $(date +%s) - START )) s of wall time. Code: $(git rev-parse --abbrev-ref HEAD) $(git log -1 --format=%h)."
  echo "Full Fun-CosyVoice3-0.5B geometry, random weights (\`./studio model random --geometry full --seed 1\`), fp32 on the CPU."
  echo
  echo "Command: \`${CMD[*]}\`"
  echo
  echo '```'
  echo "$RESULT"
  echo '```'
} > "$OUTFILE"
cat "$OUTFILE"
