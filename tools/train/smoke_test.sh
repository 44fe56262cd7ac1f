#!/usr/bin/env bash
# CPU smoke test of the issue-8 training code (no GPU, no dataset needed). Run from the checkout root:
#   bash tools/train/smoke_test.sh            (uses /usr/bin/python3 locally, python3 elsewhere; PYTHON=... to override)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-$( [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null && echo /usr/bin/python3 || echo python3)}"
export PYTHONUNBUFFERED=1

# --- w8models: LLM + flow -------------------------------------------------------------------------
# parity of the PyTorch modules with the official code on the cv3-tiny golden fixture (skipped if absent)
if "$PY" tools/train/check_golden.py llm --help >/dev/null 2>&1 && "$PY" -c '
import sys; sys.path.insert(0, "tools/train"); import check_golden; sys.exit(0 if check_golden.default_golden() else 1)'; then
  "$PY" tools/train/check_golden.py llm
  "$PY" tools/train/check_golden.py flow
else
  echo "cv3-tiny golden fixture not found: parity checks skipped"
fi
# 5 training steps on a synthetic dataset (demo geometry), export, strict reload, resume to step 7
"$PY" tools/train/train_llm.py --selftest
"$PY" tools/train/train_flow.py --selftest
echo "w8models smoke test passed"

# --- HiFT + features --------------------------------------------------------------------------------
"$PY" tools/train/check_golden_hift.py
"$PY" tools/train/features.py --check
"$PY" tools/train/train_hift.py --selftest
echo "HiFT and features smoke test passed"
