#!/usr/bin/env bash
# Runs on the GPU machine from the checkout root, with .device staged by prepare-device.sh:
#   bash .device/run-on-gpu.sh [smoke|test|bench|all|flow|vocoder]
# flow = all engine tests, then the whole-flow-stage benchmark (FlowModelBench) only.
# vocoder = the vocoder tests (+ CudaEngineTest), then the vocoder benchmark (VocoderBench) only.
# Writes the JUnit reports, the test log and the benchmark table under $OUT (or ./gpu-out).
set -uo pipefail
MODE="${1:-all}"
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
export LD_LIBRARY_PATH="/usr/local/cuda/targets/x86_64-linux/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ -d /tmp/vs-jre ] || tar -C /tmp -xJf "$D/jre.tar.xz"
JAVA=/tmp/vs-jre/bin/java
CP="$D/test-classes:$(ls "$D"/lib/*.jar | tr '\n' ':')"
JOPTS=(--enable-native-access=ALL-UNNAMED -Xmx8g -Dgolden.dir="$D/golden" -Dvoicestudio.cuda.cache=/tmp/vs-kernels)
# extra JVM options, e.g. VS_JAVA_OPTS="-Dvoicestudio.cuda.vocoder.glue=host -Dvoicestudio.cuda.vocoder.convs=direct" (the previous vocoder path)
[ -n "${VS_JAVA_OPTS:-}" ] && read -r -a _vs_extra <<< "$VS_JAVA_OPTS" && JOPTS+=("${_vs_extra[@]}")

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv || true
  ls /usr/local/cuda/targets/x86_64-linux/lib | grep -E 'libcudart.so|libnvrtc.so|libcublas.so' || true
} 2>&1 | tee "$OUT/env.txt"

status=0
if [ "$MODE" = smoke ] || [ "$MODE" = test ] || [ "$MODE" = all ] || [ "$MODE" = flow ] || [ "$MODE" = vocoder ]; then
  SELECT=(--select-package org.voicestudio.engines.cuda)
  [ "$MODE" = vocoder ] && SELECT=(--select-package org.voicestudio.engines.cuda.vocoder --select-class org.voicestudio.engines.cuda.CudaEngineTest)
  [ "$MODE" = smoke ] && SELECT=(--select-class org.voicestudio.engines.cuda.CudaEngineTest --select-class org.voicestudio.engines.cuda.KernelCacheTest)
  "$JAVA" "${JOPTS[@]}" -jar "$D/junit-platform-console-standalone-1.14.1.jar" execute \
    --class-path "$CP" "${SELECT[@]}" --details=tree --disable-banner --reports-dir="$OUT/junit" 2>&1 | tee "$OUT/tests.log"
  status=${PIPESTATUS[0]}
fi
if [ "$MODE" = test ] || [ "$MODE" = all ] || [ "$MODE" = flow ]; then
  # the previous flow path behind its switches (host Euler loop, host conditioning, fp32 attention and conv kernels) must still pass
  "$JAVA" "${JOPTS[@]}" -Dvoicestudio.cuda.flow.solver=host -Dvoicestudio.cuda.flow.conditioner=host -Dvoicestudio.cuda.flow.bf16kernels=fp32 \
    -jar "$D/junit-platform-console-standalone-1.14.1.jar" execute --class-path "$CP" \
    --select-class org.voicestudio.engines.cuda.flow.CudaFlowModelTest --select-class org.voicestudio.engines.cuda.flow.CudaDitEstimatorTest \
    --details=tree --disable-banner --reports-dir="$OUT/junit-old-flow-path" 2>&1 | tee "$OUT/tests-old-flow-path.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
if [ "$MODE" = bench ] || [ "$MODE" = all ]; then
  # SM/memory clocks and power while the benchmark runs (read-only query; clocks are left alone)
  nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,utilization.gpu --format=csv,noheader -lms 200 > "$OUT/clocks.csv" 2>&1 &
  SMI=$!
  "$JAVA" "${JOPTS[@]}" -cp "$CP" org.voicestudio.engines.cuda.llm.LlmDecodeBench --steps "${STEPS:-300}" --out "$OUT/llm-bench.md" 2>&1 | tee "$OUT/bench.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  "$JAVA" "${JOPTS[@]}" -cp "$CP" org.voicestudio.engines.cuda.flow.FlowEstimatorBench --out "$OUT/flow-bench.md" 2>&1 | tee "$OUT/flow-bench.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  kill "$SMI" 2>/dev/null
  echo "SM clock during the benchmark (MHz): $(awk -F', ' '{print $2}' "$OUT/clocks.csv" | sort -n | uniq -c | sort -rn | head -5 | tr '\n' ' ')"
fi
if [ "$MODE" = flow ] || [ "$MODE" = all ]; then
  nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,utilization.gpu --format=csv,noheader -lms 200 > "$OUT/flow-clocks.csv" 2>&1 &
  SMI=$!
  "$JAVA" "${JOPTS[@]}" -cp "$CP" org.voicestudio.engines.cuda.flow.FlowModelBench --out "$OUT/flow-model-bench.md" 2>&1 | tee "$OUT/flow-model-bench.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  kill "$SMI" 2>/dev/null
  echo "SM clock during the flow benchmark (MHz): $(awk -F', ' '{print $2}' "$OUT/flow-clocks.csv" | sort -n | uniq -c | sort -rn | head -5 | tr '\n' ' ')"
fi
if [ "$MODE" = vocoder ] || [ "$MODE" = all ]; then
  "$JAVA" "${JOPTS[@]}" -cp "$CP" org.voicestudio.engines.cuda.vocoder.VocoderBench --out "$OUT/vocoder-bench.md" 2>&1 | tee "$OUT/vocoder-bench.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
# llm = the LLM tests (on-GPU sampling parity included) + KernelCacheTest, then the LLM decode benchmark only
if [ "$MODE" = llm ]; then
  "$JAVA" "${JOPTS[@]}" -jar "$D/junit-platform-console-standalone-1.14.1.jar" execute --class-path "$CP" \
    --select-package org.voicestudio.engines.cuda.llm --select-class org.voicestudio.engines.cuda.KernelCacheTest \
    --details=tree --disable-banner --reports-dir="$OUT/junit-llm" 2>&1 | tee "$OUT/llm-tests.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  "$JAVA" "${JOPTS[@]}" -cp "$CP" org.voicestudio.engines.cuda.llm.LlmDecodeBench --steps "${STEPS:-300}" --out "$OUT/llm-bench.md" 2>&1 | tee "$OUT/llm-bench.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
exit $status
