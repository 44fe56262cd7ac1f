#!/usr/bin/env bash
# One GPU-machine call of the demo-model training (issue 8), run from the checkout root by the device tool:
#   bash tools/train/device-run.sh [fresh|resume] [seconds-budget]
# fresh : make the data (espeak-ng from .train/, carried), then train the LLM, flow and HiFT in parallel on the
#         one GPU for what is left of the budget, export the official-layout model folder.
# resume: same machine still warm (data and checkpoints in /tmp/vs-train): train on from the checkpoints.
# Every step is resumable, so "resume" on a fresh machine regenerates the data first (deterministic).
# What comes back under $OUT: the model folder packed as model.tar.xz split in 15 MiB parts, logs.
set -uo pipefail
MODE="${1:-fresh}"
BUDGET="${2:-560}"                      # seconds this call may spend (the device tool allows 600)
TOTAL_MIN="${TOTAL_MIN:-14}"            # training minutes the LR schedules span over all calls (two calls)
START=$(date +%s)
W=/tmp/vs-train
OUT="${OUT:-$PWD/train-out}"
mkdir -p "$W" "$OUT"
export PYTHONUNBUFFERED=1 PYTHONHASHSEED=0
LOG="$OUT/train.log"
{
  date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c 'import torch, torchaudio; print("torch", torch.__version__, "torchaudio", torchaudio.__version__)'
} 2>&1 | tee "$LOG"

python3 tools/train/data.py --work "$W" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "data step failed" | tee -a "$LOG"; exit 1; }
# the bundled voice prompts: held-out sentences read by each training speaker (espeak-ng, as the data)
[ -f "$W/model/voices/voices.json" ] || python3 tools/train/evaluate.py --work "$W" --voices "$W/model/voices" 2>&1 | tee -a "$LOG"

NOW=$(date +%s)
# each trainer's --minutes counts from its own start (loading included) and keeps its own export reserve;
# leave 30 s after them for packing
MINUTES=$(python3 -c "print(max(0.5, ($BUDGET - ($NOW - $START) - 30) / 60))")
RESUME=(); [ "$MODE" = resume ] && RESUME=(--resume); [ -f "$W/ckpt/llm.pt" ] && RESUME=(--resume)
echo "training for $MINUTES minutes (${RESUME[*]:-fresh})" | tee -a "$LOG"
python3 tools/train/train_llm.py  --work "$W" --minutes "$MINUTES" --total-minutes "$TOTAL_MIN" "${RESUME[@]}" > "$OUT/llm.log"  2>&1 &
P1=$!
python3 tools/train/train_flow.py --work "$W" --minutes "$MINUTES" --total-minutes "$TOTAL_MIN" "${RESUME[@]}" > "$OUT/flow.log" 2>&1 &
P2=$!
python3 tools/train/train_hift.py --work "$W" --minutes "$MINUTES" --total-minutes "$TOTAL_MIN" "${RESUME[@]}" > "$OUT/hift.log" 2>&1 &
P3=$!
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used,power.draw --format=csv,noheader -l 15 > "$W/gpu.csv" 2>&1 &
SMI=$!
status=0
for p in $P1 $P2 $P3; do wait "$p" || status=1; done
kill "$SMI" 2>/dev/null; echo "GPU samples (time, util, memory, power):" >> "$LOG"; cat "$W/gpu.csv" >> "$LOG"
tail -n 5 "$OUT"/llm.log "$OUT"/flow.log "$OUT"/hift.log | tee -a "$LOG"

if [ -f "$W/model/llm.pt" ] && [ -f "$W/model/flow.pt" ] && [ -f "$W/model/hift.pt" ]; then
  tar -C "$W" -cJf "$W/model.tar.xz" model data/sentences.json
  split -b 15M -d "$W/model.tar.xz" "$OUT/model.tar.xz.part"
  ls -l "$OUT" | tee -a "$LOG"
else
  echo "a stage did not export its weights" | tee -a "$LOG"; status=1
fi
echo "call took $(( $(date +%s) - START )) s" | tee -a "$LOG"
exit $status
