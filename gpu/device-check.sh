#!/usr/bin/env bash
# Every GPU check of the project, on a GPU machine with no Java and no network, from what gpu/prepare.sh staged
# under .device/, in two parts that each fit one device call of at most 8 minutes (the device budget is 15 minutes
# a session, start-up included):
#
#   gpu/device-check.sh checks       correctness, in this order: probe; the bindings' GPU suite; the kernels and the
#                                    CUDA back end on the GPU (NVRTC programs, cuDNN descriptors, kernels against the
#                                    CPU reference, the device loop's closed form and byte counts, the plan per
#                                    precision against the reference executor); the incremental plan on the GPU
#                                    (gather/stitch kernels, IncrementalDevicePlan against the device's full sweep and
#                                    the CPU back end, the off-by-one that must fail) and check-model --device gpu;
#                                    check-model --device gpu on the small Java-built models (issue 19's table); then
#                                    the variant writer's throughput
#   gpu/device-check.sh benchmarks   gpu-std with --incremental off,on per precision against PyTorch on the same
#                                    device (issue 17); ViT-B/16 and ConvNeXt-T exported by torchvision: check-model
#                                    --device gpu and gpu-std-style variants/s per precision (issue 19); the video
#                                    workload
#
# Every step runs under its own `timeout` and is one row of $OUT/<part>.md (step, exit, limit, seconds, summary);
# a timed-out step says so and the part goes on. The part keeps to PART_BUDGET seconds (default 450, of the 480 a
# call may take): a step's limit is cut to the time left, and a step with under 20 s left is not started (its row
# says "not run: no time left"), so the steps are in priority order. Logs go under $OUT/<part>/ and are packed into
# $OUT/<part>-logs.tar.gz at the end ($OUT default ./gpu-out): with the table and machine.txt, three files come back.
# Expected on an H200 (estimates, no GPU run yet): checks about 3 to 4 minutes (the JUnit steps' host cases take
# about 75 s on the 2-core build machine); benchmarks about 6.5 minutes (gpu-std about 3, the two zoo models about
# 3, video under 1), close to the budget: what does not fit is listed as not run, video first.
# Exit status: 0 only if every step of the part ran and passed, with no GPU test skipped.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
part=${1:-}
case "$part" in
  checks|benchmarks) ;;
  *) echo "usage: gpu/device-check.sh checks|benchmarks (two calls of at most 8 minutes each)" >&2; exit 2 ;;
esac
OUT=${OUT:-$root/gpu-out}
budget=${PART_BUDGET:-450}
logs=$OUT/$part
mkdir -p "$logs"
stage=$root/.device
[ -f "$stage/jre.tar.xz" ] || { echo "no $stage/jre.tar.xz: run gpu/prepare.sh on the build machine and carry .device" >&2; exit 2; }
table=$OUT/$part.md
echo "| step | exit | limit s | s | summary |" > "$table"
echo "|---|---|---|---|---|" >> "$table"
status=0
start=$SECONDS
# step NAME LIMIT LOG COMMAND...: the command under `timeout LIMIT` (cut to the part's time left), logged to
# $logs/LOG, one row of the table. Returns the command's exit status (3 when not run for lack of time).
step() {
  local name=$1 limit=$2 log=$3; shift 3
  local left=$((budget - (SECONDS - start) - 5)) cut=""
  if [ "$left" -lt 20 ]; then
    status=1
    echo "| $name | not run | $limit | 0 | no time left: $((budget - (SECONDS - start))) s of the part's $budget |" >> "$table"
    return 3
  fi
  [ "$left" -lt "$limit" ] && { limit=$left; cut=" (cut to the time left)"; }
  local t0=$SECONDS
  mkdir -p "$(dirname "$logs/$log")"
  timeout --kill-after=10 "$limit" "$@" > "$logs/$log" 2>&1
  local rc=$?
  local why=""
  [[ $rc -eq 124 || $rc -eq 137 ]] && why=" (timed out)"
  [[ $rc -ne 0 ]] && status=1
  local summary
  summary=$(grep -E '^\[ +[0-9]+ tests (successful|failed|skipped|aborted)' "$logs/$log" | tr -s ' ' | tr '\n' ' ')
  [ -z "$summary" ] && summary=$(grep -v '^[[:space:]]*$' "$logs/$log" | grep -v '^[[:space:]]*at ' | tail -n 1 | cut -c1-160)
  echo "| $name | $rc$why | $limit$cut | $((SECONDS - t0)) | ${summary//|//} |" >> "$table"
  return $rc
}
# A JUnit run on the GPU machine counts a skipped or aborted test as a failure: the machine has a GPU.
no_skips() {
  local log=$logs/$1
  [ -f "$log" ] || return 0
  if grep -qE '^\[ +[1-9][0-9]* tests (skipped|aborted)' "$log"; then
    status=1
    echo "| $1: skipped GPU tests | 1 | | | $(grep -m1 -oE '(Assumption failed|skipped): .*' "$log" | cut -c1-160 | tr '|' '/') |" >> "$table"
  fi
}
note() { # a row that is no command: NAME SUMMARY
  echo "| $1 | | | | ${2//|//} |" >> "$table"
}

jre=$(mktemp -d)
step "unpack the Java runtime" 30 jre.log tar -xJf "$stage/jre.tar.xz" -C "$jre"
export JAVA=$jre/jre/bin/java
{ date -u; git rev-parse --short HEAD 2>/dev/null; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1; } \
  > "$OUT/machine.txt"
# The CUDA libraries come from PyTorch's wheels here: the bindings' locator searches site-packages/nvidia/*/lib.
timeout 30 python3 -c "import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))" >> "$OUT/machine.txt" 2>&1 || true
jars=$stage/gpu-check
# ONNX Runtime (linux-x64 only) is on every class path: the tests compare with the CPU back end and ONNX Runtime, and
# the CUDA back end's incremental choice (--incremental auto/on, FP32/TF32) runs the CPU back end's analysis, whose
# classes link to ONNX Runtime's: without it DevicePathTest and gpu-std's FP32/TF32 runs end in NoClassDefFoundError.
cp=$(ls "$jars"/*.jar "$stage"/ort/*.jar 2>/dev/null | grep -v junit-platform-console | tr '\n' ':')
# NVRTC's cache outside $OUT (its files need not come back), shared by the steps and by the two parts on a warm machine.
nvrtc_cache=${NVRTC_CACHE:-/tmp/occlusion4j-nvrtc-cache}
java_opts=(--enable-native-access=ALL-UNNAMED -Xss4m -Docclusion4j.nvrtcCache="$nvrtc_cache")
junit=("$JAVA" "${java_opts[@]}" -jar "$jars/junit-platform-console-standalone.jar" execute
       --details=tree --disable-banner --disable-ansi-colors)

if [ "$part" = checks ]; then
  step "native probe" 30 probe.log "$JAVA" "${java_opts[@]}" -cp "$cp" io.occlusion4j.cuda.NativeProbe
  step "bindings GPU suite" 90 bindings.log "${junit[@]}" --class-path "$cp" --reports-dir "$logs/junit-bindings" \
    --select-class io.occlusion4j.cuda.GpuSuiteTest \
    --select-class io.occlusion4j.cuda.NvidiaLibrariesTest
  no_skips bindings.log
  step "kernels and CUDA back end on the GPU" 180 backend.log "${junit[@]}" --class-path "$cp" \
    --reports-dir "$logs/junit-backend" \
    --select-class io.occlusion4j.kernels.KernelProgramsTest --select-class io.occlusion4j.kernels.GpuKernelsTest \
    --select-class io.occlusion4j.backend.cuda.CudnnDescriptorsTest \
    --select-class io.occlusion4j.backend.cuda.DeviceLoopClosedFormTest \
    --select-class io.occlusion4j.backend.cuda.DevicePathTest --select-class io.occlusion4j.backend.cuda.GpuPlanTest
  no_skips backend.log
  grep -hE "\[(device-loop|device-path|gpu-plan|nvrtc|cudnn)\]" "$logs/backend.log" > "$logs/backend-figures.log" 2>/dev/null
  # The incremental plan on the GPU (3 parity cases and the off-by-one plan case; their 12 + 8 host cases run too, about
  # 40 s on the 2-core build machine) and check-model --device gpu's case (the other CudaModelCheckerTest cases are
  # host-only, one of them skips where a GPU is: not selected).
  step "incremental plan and check-model on the GPU" 120 incremental.log "${junit[@]}" --class-path "$cp" \
    --reports-dir "$logs/junit-incremental" \
    --select-class io.occlusion4j.backend.cuda.IncrementalDevicePlanTest \
    --select-class io.occlusion4j.backend.cuda.HostIncrementalParityTest \
    --select-method io.occlusion4j.backend.cuda.CudaModelCheckerTest#onAGpuTheSameCheckPasses
  no_skips incremental.log
  grep -hE "\[(incremental-parity|incremental-plan|check-model gpu)\]" "$logs/incremental.log" \
    > "$logs/incremental-figures.log" 2>/dev/null
  # check-model --device gpu on the Java-built models that are quick to build (not ResNet-18/50, MobileNetV2).
  small=linear,smallCnn,cnn3d,vitBlock,vitLike,convNextLike,swinLike,blazeface,ppocr
  step "check-model --device gpu: Java-built models" 60 check-model-java.log "$JAVA" "${java_opts[@]}" -cp "$cp" \
    io.occlusion4j.bench.CheckModelTable --device gpu --out "$logs" --only "$small"
  # CheckModelTable writes a row per model and exits 0 whatever they say: count the rows that ran and passed.
  md=$(ls "$logs"/check-model-gpu-*.md 2>/dev/null | head -n 1)
  if [ -n "$md" ]; then
    ran=0 total=0
    for m in ${small//,/ }; do
      total=$((total + 1))
      grep -qE "^\| $m \|.*\| runs \|\$" "$md" && ran=$((ran + 1))
    done
    [ "$ran" -eq "$total" ] || status=1
    note "check-model --device gpu: Java-built models" "$ran of $total models run and pass (table: $(basename "$md") in the logs)"
  fi
  # Variant writer throughput next to the device-to-device copy bandwidth (target ratio >= 0.70).
  step "variant writer throughput" 30 throughput.md "$JAVA" "${java_opts[@]}" -cp "$cp" \
    io.occlusion4j.bench.VariantWriterBenchmark 20
else
  # gpu-std (about 3 minutes expected on an H200; its own steps keep to the limit given): export ResNet-50 + input,
  # occlusion4j end to end with --incremental off,on alternating and plan-only per precision, the PyTorch loop and
  # PyTorch eager per precision, then the merged table and the incremental table.
  left=$((budget - (SECONDS - start) - 15))
  step "gpu-std, --incremental off,on" 300 gpu-std.log env OUT="$logs/gpu-std" JAVA="$JAVA" NVRTC_CACHE="$nvrtc_cache" \
    GPU_STD_BUDGET=$((left < 290 ? left : 290)) bash gpu/gpu-std.sh "$stage"
  # ViT-B/16 and ConvNeXt-T (issue 19): torchvision's export, check-model on the GPU, variants/s per precision (the
  # full sweep, --incremental off, as gpu-std's main figures; window 16, stride 4 on 224x224).
  zoo=$(mktemp -d)
  if timeout 60 python3 -c "import torch, torchvision; print(torch.__version__, torchvision.__version__)" \
      > "$logs/zoo-python.log" 2>&1; then
    step "export vit_b_16, convnext_tiny" 90 zoo/export.log python3 bench/python/export_zoo.py --out "$zoo" \
      --models vit_b_16,convnext_tiny
    timeout 30 python3 -c "import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(19).random((3, 224, 224), dtype=np.float32))" \
      "$zoo/input.npy" >> "$logs/zoo-python.log" 2>&1
    cp "$zoo/manifest.json" "$logs/zoo/" 2>/dev/null
    if [ -f "$zoo/vit_b_16.onnx" ] || [ -f "$zoo/convnext_tiny.onnx" ]; then
      step "check-model --device gpu: vit_b_16, convnext_tiny" 120 zoo/check-model.log "$JAVA" "${java_opts[@]}" \
        -cp "$cp" io.occlusion4j.bench.CheckModelFiles --device gpu --json "$logs/zoo/check-model-gpu.json" \
        $(ls "$zoo"/vit_b_16.onnx "$zoo"/convnext_tiny.onnx 2>/dev/null)
      for m in vit_b_16 convnext_tiny; do
        [ -f "$zoo/$m.onnx" ] || { note "$m variants/s" "not run: no export"; continue; }
        step "$m variants/s (FP32, TF32, FP16)" 100 "zoo/$m.log" "$JAVA" "${java_opts[@]}" -cp "$cp" \
          io.occlusion4j.bench.GpuStdBenchmark --model "$zoo/$m.onnx" --input "$zoo/input.npy" --out "$logs/zoo" \
          --label "$m" --reps 3 --plan-reps 10 --incremental off
      done
    fi
  else
    status=1
    note "ViT-B/16 and ConvNeXt-T" "not run: this python3 cannot import torch and torchvision ($(tail -n 1 "$logs/zoo-python.log" | cut -c1-120))"
  fi
  rm -rf "$zoo"
  step "video (16x112x112, window 2x16x16)" 90 video/video.log "$JAVA" "${java_opts[@]}" -cp "$cp" \
    io.occlusion4j.bench.GpuVideoBenchmark "$logs/video" 3
fi
rm -rf "$jre"
if [ "$part" = benchmarks ]; then
  for f in "$logs"/gpu-std/gpu-std-steps.md "$logs"/gpu-std/gpu-std.md "$logs"/gpu-std/gpu-std.incremental.md; do
    [ -f "$f" ] && { echo; cat "$f"; } >> "$table.tmp"
  done
  for f in "$logs"/zoo/*.occlusion4j.json; do
    [ -f "$f" ] && timeout 20 python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
for p, v in d['precisions'].items():
    print('%s %s: %s' % (d['workload'], p, v.get('error') or '%.1f variants/s, batch %s, plan %.1f images/s'
          % (v['variants_per_s'] or 0, v['batch'], v['plan_images_per_s'] or 0)))" "$f" >> "$table.tmp" 2>&1
  done
  [ -f "$table.tmp" ] && { cat "$table.tmp" >> "$table"; rm -f "$table.tmp"; }
fi
tar -czf "$OUT/$part-logs.tar.gz" -C "$OUT" "$part" && rm -rf "$logs"
cat "$table"
echo "device check '$part' finished with status $status in $((SECONDS - start)) s (budget $budget s);" \
  "logs in $OUT/$part-logs.tar.gz"
exit $status
