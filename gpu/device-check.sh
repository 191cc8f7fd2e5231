#!/usr/bin/env bash
# Every GPU check of the project, on a GPU machine with no Java and no network, from what gpu/prepare.sh staged
# under .device/, in two parts that each fit one device call of at most 8 minutes (the device budget is 15 minutes
# a session, start-up included):
#
#   gpu/device-check.sh checks       probe, the bindings' GPU suite, the kernels and the CUDA back end on the GPU
#                                    (NVRTC programs, cuDNN descriptors, kernels against the CPU reference, the
#                                    device loop's closed form and byte counts, the plan per precision against the
#                                    reference executor), the variant writer's throughput      (at most 465 s)
#   gpu/device-check.sh benchmarks   gpu-std (occlusion4j per precision against PyTorch on the same device) and the
#                                    video workload                                            (at most 465 s)
#
# Every step runs under its own `timeout` and is one row of $OUT/<part>.md (step, exit, limit, seconds, summary);
# a timed-out step says so and the part goes on. Writes logs and tables under $OUT (default ./gpu-out).
# Exit status: 0 only if every step of the part passed with no GPU test skipped.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
part=${1:-}
case "$part" in
  checks|benchmarks) ;;
  *) echo "usage: gpu/device-check.sh checks|benchmarks (two calls of at most 8 minutes each)" >&2; exit 2 ;;
esac
OUT=${OUT:-$root/gpu-out}
mkdir -p "$OUT"
stage=$root/.device
[ -f "$stage/jre.tar.xz" ] || { echo "no $stage/jre.tar.xz: run gpu/prepare.sh on the build machine and carry .device" >&2; exit 2; }
table=$OUT/$part.md
echo "| step | exit | limit s | s | summary |" > "$table"
echo "|---|---|---|---|---|" >> "$table"
status=0
# step NAME LIMIT LOG COMMAND...: the command under `timeout LIMIT`, logged to $OUT/LOG, one row of the table.
step() {
  local name=$1 limit=$2 log=$3; shift 3
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$OUT/$log" 2>&1
  local rc=$?
  local why=""
  [[ $rc -eq 124 || $rc -eq 137 ]] && why=" (timed out)"
  [[ $rc -ne 0 ]] && status=1
  local summary
  summary=$(grep -E '^\[ +[0-9]+ tests (successful|failed|skipped|aborted)' "$OUT/$log" | tr -s ' ' | tr '\n' ' ')
  [ -z "$summary" ] && summary=$(grep -v '^[[:space:]]*$' "$OUT/$log" | grep -v '^[[:space:]]*at ' | tail -n 1 | cut -c1-160)
  echo "| $name | $rc$why | $limit | $((SECONDS - t0)) | ${summary//|//} |" >> "$table"
  return $rc
}
# A JUnit run on the GPU machine counts a skipped or aborted test as a failure: the machine has a GPU.
no_skips() {
  local log=$OUT/$1
  if grep -qE '^\[ +[1-9][0-9]* tests (skipped|aborted)' "$log"; then
    status=1
    echo "| $1: skipped GPU tests | 1 | | | $(grep -m1 -oE '(Assumption failed|skipped): .*' "$log" | cut -c1-160 | tr '|' '/') |" >> "$table"
  fi
}

jre=$(mktemp -d)
step "unpack the Java runtime" 30 jre.log tar -xJf "$stage/jre.tar.xz" -C "$jre"
export JAVA=$jre/jre/bin/java
{ date -u; git rev-parse --short HEAD 2>/dev/null; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1; } \
  > "$OUT/machine.txt"
# The CUDA libraries come from PyTorch's wheels here: the bindings' locator searches site-packages/nvidia/*/lib.
python3 -c "import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))" >> "$OUT/machine.txt" 2>&1 || true
jars=$stage/gpu-check
cp=$(ls "$jars"/*.jar 2>/dev/null | grep -v junit-platform-console | tr '\n' ':')
java_opts=(--enable-native-access=ALL-UNNAMED -Xss4m -Docclusion4j.nvrtcCache="$OUT/nvrtc-cache")
junit=("$JAVA" "${java_opts[@]}" -jar "$jars/junit-platform-console-standalone.jar" execute --class-path "$cp"
       --details=tree --disable-banner --disable-ansi-colors)

if [ "$part" = checks ]; then
  step "native probe" 30 probe.log "$JAVA" "${java_opts[@]}" -cp "$cp" io.occlusion4j.cuda.NativeProbe
  step "bindings GPU suite" 120 bindings.log "${junit[@]}" --reports-dir "$OUT/junit-bindings" \
    --select-class io.occlusion4j.cuda.GpuSuiteTest \
    --select-class io.occlusion4j.cuda.NvidiaLibrariesTest
  no_skips bindings.log
  step "kernels and CUDA back end on the GPU" 240 backend.log "${junit[@]}" --reports-dir "$OUT/junit-backend" \
    --select-class io.occlusion4j.kernels.KernelProgramsTest --select-class io.occlusion4j.kernels.GpuKernelsTest \
    --select-class io.occlusion4j.backend.cuda.CudnnDescriptorsTest \
    --select-class io.occlusion4j.backend.cuda.DeviceLoopClosedFormTest \
    --select-class io.occlusion4j.backend.cuda.DevicePathTest --select-class io.occlusion4j.backend.cuda.GpuPlanTest
  no_skips backend.log
  grep -hE "\[(device-loop|device-path|gpu-plan|nvrtc|cudnn)\]" "$OUT/backend.log" > "$OUT/backend-figures.log" 2>/dev/null
  # Variant writer throughput next to the device-to-device copy bandwidth (target ratio >= 0.70).
  step "variant writer throughput" 45 throughput.md "$JAVA" "${java_opts[@]}" -cp "$cp" \
    io.occlusion4j.bench.VariantWriterBenchmark 20
else
  # gpu-std (about 2 minutes on an H200, at most 330 s by its own steps): export ResNet-50 + input, occlusion4j end
  # to end and plan-only per precision, the PyTorch loop and PyTorch eager per precision, then the merged table.
  step "gpu-std" 345 gpu-std.log env OUT="$OUT/gpu-std" JAVA="$JAVA" bash gpu/gpu-std.sh "$stage"
  mkdir -p "$OUT/video"
  step "video (16x112x112, window 2x16x16)" 90 video/video.log "$JAVA" "${java_opts[@]}" -cp "$cp" \
    io.occlusion4j.bench.GpuVideoBenchmark "$OUT/video" 3
fi
rm -rf "$jre"
cat "$table"
echo "device check '$part' finished with status $status; results under $OUT"
exit $status
