#!/usr/bin/env bash
# Runs on the GPU machine from the checkout root, with .device staged by prepare-device.sh:
#   bash .device/run-on-gpu.sh [smoke|test|bench|all|flow|vocoder|e2e|bench-all]
# e2e = the end-to-end streaming pipeline benchmark only (EndToEndBench, all stages on CUDA, overlap none vs stages).
# bench-all = what `all` runs (every engine test, then LlmDecodeBench, FlowEstimatorBench, FlowModelBench,
#   VocoderBench), then EndToEndBench (fp32, then bf16 LLM + DiT GEMMs), then `studio bench --engines cuda` on a
#   full-geometry random model folder written there, then $OUT/results.md with every table, the machine and the
#   commands. Each step runs under STEP_LIMIT seconds (default 300); later steps are skipped once
#   BUDGET seconds (default 450) have passed, so the whole run stays under the device tool's 600 s. Extra JVM options for every step: VS_JOPTS (e.g.
#   VS_JOPTS="-Dvoicestudio.pipeline.overlap=llm" to fall back to the pipeline before stage overlap).
# flow = all engine tests, then the whole-flow-stage benchmark (FlowModelBench) only.
# vocoder = the vocoder tests (+ CudaEngineTest), then the vocoder benchmark (VocoderBench) only.
# Writes the JUnit reports, the test log and the benchmark table under $OUT (or ./gpu-out).
set -uo pipefail
MODE="${1:-all}"
BENCH_ALL=0
if [ "$MODE" = bench-all ]; then BENCH_ALL=1; MODE=all; fi
T0=$(date +%s)
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
# shellcheck disable=SC2206
[ -n "${VS_JOPTS:-}" ] && JOPTS+=($VS_JOPTS)
if [ "$BENCH_ALL" = 1 ]; then
  # every java step under a time limit, so one hung step cannot take the whole device call
  printf '#!/usr/bin/env bash\nexec timeout -k 10 "${STEP_LIMIT:-300}" /tmp/vs-jre/bin/java "$@"\n' > /tmp/vs-java-limited
  chmod +x /tmp/vs-java-limited
  JAVA=/tmp/vs-java-limited
fi

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
if [ "$MODE" = e2e ] || [ "$BENCH_ALL" = 1 ]; then
  nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,utilization.gpu --format=csv,noheader -lms 200 > "$OUT/e2e-clocks.csv" 2>&1 &
  SMI=$!
  "$JAVA" "${JOPTS[@]}" -cp "$CP" org.voicestudio.engines.cuda.bench.EndToEndBench --tokens "${E2E_TOKENS:-250,500}" --modes "${E2E_MODES:-none,stages}" --repeats "${E2E_REPEATS:-3}" \
    --out "$OUT/e2e-bench.md" 2>&1 | tee "$OUT/e2e-bench.log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  if [ "$BENCH_ALL" = 1 ] && [ $(( $(date +%s) - T0 )) -lt "${BUDGET:-450}" ]; then
    "$JAVA" "${JOPTS[@]}" -cp "$CP" org.voicestudio.engines.cuda.bench.EndToEndBench --tokens "${E2E_TOKENS:-250,500}" --modes stages --repeats "${E2E_REPEATS:-3}" \
      --llm-precision bf16 --flow-precision bf16 --out "$OUT/e2e-bench-bf16.md" 2>&1 | tee "$OUT/e2e-bench-bf16.log"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
  fi
  kill "$SMI" 2>/dev/null
  echo "SM clock during the end-to-end benchmark (MHz): $(awk -F', ' '{print $2}' "$OUT/e2e-clocks.csv" | sort -n | uniq -c | sort -rn | head -5 | tr '\n' ' ')"
fi
if [ "$BENCH_ALL" = 1 ] && [ -d "$D/app" ] && [ $(( $(date +%s) - T0 )) -lt "${BUDGET:-450}" ]; then
  # `./studio bench --engines cuda` as the studio runs it (CLI main, CudaEngine loading a model folder through
  # ModelFolder), on a full-geometry random-weight folder (the real model cannot be carried: 64 MiB)
  APPCP="$(ls "$D"/app/*.jar | tr '\n' ':')$CP"
  MODEL=/tmp/vs-full
  [ -f "$MODEL/llm.pt" ] || "$JAVA" "${JOPTS[@]}" -cp "$APPCP" org.voicestudio.app.Main model random --geometry full --seed 1 --out "$MODEL" 2>&1 | tail -3
  "$JAVA" "${JOPTS[@]}" -cp "$APPCP" org.voicestudio.app.Main bench --model "$MODEL" --tokens "${STUDIO_TOKENS:-250}" --engines cuda --stream \
    --repeats 3 --warmup 1 2>&1 | tee "$OUT/studio-bench-cuda.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
if [ "$BENCH_ALL" = 1 ]; then
  R="$OUT/results.md"
  {
    echo "# CUDA engine: every test and benchmark in one run"
    echo
    echo "- date (UTC): $(date -u '+%Y-%m-%d %H:%M')"
    echo "- code: $(cat "$D/commit.txt" 2>/dev/null || echo unknown)"
    echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
    echo "- CUDA libraries: $(ls /usr/local/cuda/targets/x86_64-linux/lib 2>/dev/null | grep -E '^lib(cudart|nvrtc|cublas)\.so\.[0-9.]+$' | tr '\n' ' ')"
    echo "- host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
    echo "- Java: $(/tmp/vs-jre/bin/java -version 2>&1 | head -1)"
    echo "- precision: engine defaults (LLM fp32, DiT GEMMs fp32, HiFT fp32) unless a table says otherwise (LlmDecodeBench, FlowEstimatorBench and FlowModelBench measure fp32 and bf16; e2e-bench-bf16 runs LLM and DiT GEMMs in bf16); extra JVM options: ${VS_JOPTS:-none}"
    echo "- wall time of this run: $(( $(date +%s) - T0 )) s"
    echo
    echo "Commands: \`engines/cuda/gpu/prepare-device.sh\` on the build machine, then on the GPU machine \`bash .device/run-on-gpu.sh bench-all\`, which runs"
    echo "the JUnit console launcher on the package org.voicestudio.engines.cuda, then LlmDecodeBench --steps ${STEPS:-300}, FlowEstimatorBench,"
    echo "FlowModelBench, VocoderBench, EndToEndBench --tokens ${E2E_TOKENS:-250,500} --modes ${E2E_MODES:-none,stages} (and again in bf16, stages only),"
    echo "then \`studio model random --geometry full --seed 1\` + \`studio bench --model DIR --tokens ${STUDIO_TOKENS:-250} --engines cuda --stream\`."
    echo
    echo "## Tests"
    echo
    echo '```'
    grep -E 'tests (successful|failed|aborted|skipped|found)|containers failed' "$OUT/tests.log" 2>/dev/null
    grep -E '✘' "$OUT/tests.log" 2>/dev/null | head -20
    echo '```'
    for f in llm-bench flow-bench flow-model-bench vocoder-bench e2e-bench e2e-bench-bf16; do
      echo
      echo "## $f"
      echo
      if [ -f "$OUT/$f.md" ]; then cat "$OUT/$f.md"; else echo "(not produced: see $f.log)"; fi
    done
    echo
    echo "## studio bench --engines cuda"
    echo
    echo '```'
    cat "$OUT/studio-bench-cuda.txt" 2>/dev/null || echo "(not run)"
    echo '```'
    echo
    echo "## DJL (CPU) for comparison"
    echo
    echo "DJL's PyTorch CPU natives (112 MB jar) cannot be carried to this machine (64 MiB limit) and its Python torch is not"
    echo "a libtorch DJL 0.36 can load (DJL's JNI is built for PyTorch 2.7.1), so the DJL side was measured on the build machine:"
    echo
    cat "$D/djl-cpu-bench.md" 2>/dev/null || echo "(no DJL CPU results were staged)"
  } > "$R"
  echo "wrote $R"
fi
exit $status
