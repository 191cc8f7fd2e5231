#!/usr/bin/env bash
# The GPU checks of the kernels and the CUDA back end in one run, for a GPU machine with no Java or Maven:
#   JAVA=/path/to/jlink/bin/java OUT=/path/to/out GPU_CHECK_JARS=.device/gpu-check gpu/backend-check.sh
# Needs what gpu/prepare.sh stages: the JUnit console launcher and every jar the tests need (the kernels and
# cuda-backend test jars among them) under GPU_CHECK_JARS, and the host kernel library (HOST_KERNELS).
# CUDA libraries are found by the bindings' locator (explicit path, usual names, then PyTorch's
# site-packages/nvidia/*/lib). Writes logs and results.md to $OUT; exits non-zero if any step failed.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA:-java}
OUT=${OUT:-$here/gpu-check-out}
jars=${GPU_CHECK_JARS:-$here/cuda-backend/target/gpu-check}
host_kernels=${HOST_KERNELS:-$here/kernels/target/host/libocc_kernels_host.so}
mkdir -p "$OUT"
cp=$(ls "$jars"/*.jar 2>/dev/null | grep -v junit-platform-console | tr '\n' ':')
launcher=$jars/junit-platform-console-standalone.jar
opts=(--enable-native-access=ALL-UNNAMED -Docclusion4j.nvrtcCache="$OUT/nvrtc-cache"
      -Docclusion4j.hostKernels="$host_kernels")
status=0
row() { echo "| $1 | $2 | $3 |" >> "$OUT/results.md"; }
echo "| step | exit | summary |" > "$OUT/results.md"
echo "|---|---|---|" >> "$OUT/results.md"

"$JAVA" "${opts[@]}" -cp "$cp" io.occlusion4j.cuda.NativeProbe > "$OUT/probe.log" 2>&1
rc=$?; [[ $rc -ne 0 ]] && status=1
row "native probe" "$rc" "$(grep -m3 -iE 'device|sm_|no ' "$OUT/probe.log" | tr '\n' ' ' | cut -c1-200)"

# Kernels vs the CPU reference (GPU and host builds), and the session: closed form, graphs, bytes moved.
"$JAVA" "${opts[@]}" -jar "$launcher" execute --class-path "$cp" --details=tree --disable-banner --disable-ansi-colors \
    --select-class io.occlusion4j.kernels.GpuKernelsTest --select-class io.occlusion4j.backend.cuda.GpuOcclusionSessionTest \
    --select-class io.occlusion4j.kernels.HostKernelsTest --select-class io.occlusion4j.backend.cuda.GpuPlanTest \
    --select-class io.occlusion4j.backend.cuda.GpuBackendDevicePathTest --select-class io.occlusion4j.backend.cuda.HostPlanKernelsTest --reports-dir "$OUT/junit" > "$OUT/junit.log" 2>&1
rc=$?; [[ $rc -ne 0 ]] && status=1
summary=$(grep -E '^\[ +[0-9]+ (tests|containers) (successful|failed|skipped|aborted)' "$OUT/junit.log" | tr -s ' ' | tr '\n' ' ')
row "GPU + host kernel tests" "$rc" "$summary"
# A skipped GPU test is not a pass here: the machine was supposed to have a GPU.
if grep -qE '^\[ +[1-9][0-9]* (tests|containers) (skipped|aborted)' "$OUT/junit.log"; then
  status=1
  row "skips" "1" "$(grep -m1 -o 'skipped: .*' "$OUT/junit.log" | cut -c1-200)"
fi
grep "\[gpu-session\]" "$OUT/junit.log" > "$OUT/transfers.log" 2>/dev/null
grep "\[gpu-plan\]" "$OUT/junit.log" > "$OUT/plan-parity.log" 2>/dev/null

# Variant writer throughput next to the device-to-device copy bandwidth (target ratio >= 0.70).
"$JAVA" "${opts[@]}" -cp "$cp" io.occlusion4j.bench.VariantWriterBenchmark 20 > "$OUT/throughput.md" 2>&1
rc=$?; [[ $rc -ne 0 ]] && status=1
row "variant writer throughput" "$rc" "$(grep -m1 'full write fp32' "$OUT/throughput.md" | cut -c1-200)"

cat "$OUT/results.md" "$OUT/throughput.md" "$OUT/transfers.log" 2>/dev/null
exit $status
