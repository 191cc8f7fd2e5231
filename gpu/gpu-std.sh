#!/usr/bin/env bash
# The gpu-std comparison on a GPU machine (called by gpu/device-check.sh; STAGE = .device from gpu/prepare.sh):
#   JAVA=... OUT=... [GPU_STD_BUDGET=seconds (290)] [INCREMENTAL=off,on] gpu/gpu-std.sh STAGE
# ResNet-50 224x224, window 16, stride 4. occlusion4j runs --incremental off,on alternating in one session per
# precision (issue 17: the main figures, compared with PyTorch's full sweep, are off's; on's speed-up, switch layer,
# predicted and measured speed-ups and reason go to gpu-std.incremental.md; FP16 runs the full sweep and says why).
# Each step runs under `timeout`, cut to what is left of GPU_STD_BUDGET (a step with under 10 s left is not run), and
# is logged under $OUT; a failed step is named in $OUT/gpu-std-steps.md and the script goes on to the merge. About
# 3 minutes expected on an H200 (an estimate: no run yet). Exit 0 only if all passed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-$root/.device}
OUT=${OUT:-$root/gpu-out/gpu-std}
JAVA=${JAVA:-java}
PY=${PYTHON:-python3}
budget=${GPU_STD_BUDGET:-290}
modes=${INCREMENTAL:-off,on}
nvrtc_cache=${NVRTC_CACHE:-/tmp/occlusion4j-nvrtc-cache}
mkdir -p "$OUT"
work=$(mktemp -d)
jars=$stage/gpu-check
cp=$(ls "$jars"/*.jar "$stage"/ort/*.jar 2>/dev/null | grep -v junit-platform-console | tr '\n' ':')
status=0
start=$SECONDS
steps=$OUT/gpu-std-steps.md
echo "| step | exit | s | log |" > "$steps"; echo "|---|---|---|---|" >> "$steps"
step() { # name, limit (s), log, command...
  local name=$1 limit=$2 log=$3; shift 3
  local left=$((budget - (SECONDS - start) - 2))
  if [ "$left" -lt 10 ]; then
    status=1
    echo "| $name | not run | 0 | no time left of GPU_STD_BUDGET=$budget s |" >> "$steps"
    return 3
  fi
  [ "$left" -lt "$limit" ] && limit=$left
  local t0=$SECONDS
  timeout --kill-after=5 "$limit" "$@" > "$OUT/$log" 2>&1
  local rc=$?
  [[ $rc -ne 0 ]] && status=1
  local why=""
  [[ $rc -eq 124 || $rc -eq 137 ]] && why=" (timed out after ${limit}s)"
  echo "| $name | $rc$why | $((SECONDS - t0)) | $log: $(grep -v "^[[:space:]]*$" "$OUT/$log" | grep -v "^[[:space:]]*at " | tail -n 1 | cut -c1-160 | tr '|' '/') |" >> "$steps"
  return $rc
}
if [[ -z "$cp" ]]; then
  echo "| stage | 2 | 0 | no jars under $jars: run gpu/prepare.sh |" >> "$steps"; cat "$steps"; exit 1
fi
step export 60 export.log "$PY" bench/python/occlusion_baseline.py export --workload gpu-std --dir "$work" \
  || { cat "$steps"; echo "gpu-std: the ResNet-50 export failed (export.log): nothing measured"; exit 1; }
step "occlusion4j, --incremental $modes" 170 occlusion4j.log "$JAVA" --enable-native-access=ALL-UNNAMED \
  -Docclusion4j.nvrtcCache="$nvrtc_cache" -cp "$cp" io.occlusion4j.bench.GpuStdBenchmark --model "$work/model.onnx" \
  --input "$work/input.npy" --out "$OUT" --reps 3 --plan-reps 20 --incremental "$modes"
# The PyTorch loop at occlusion4j's batch (FP32's, else 256), per precision; then eager throughput at that batch.
batch=$("$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(next((p['batch'] for p in d['precisions'].values() if 'batch' in p), 256))" \
  "$OUT/gpu-std.occlusion4j.json" 2>/dev/null || echo 256)
for p in fp32 tf32 fp16; do
  step "pytorch loop $p" 25 "baseline-$p.log" "$PY" bench/python/occlusion_baseline.py run --workload gpu-std --dir "$work" \
    --reps 3 --batch "$batch" --precision "$p" --out-prefix "$OUT/baseline-$p"
done
step "pytorch eager" 40 torch-throughput.log "$PY" bench/python/torch_throughput.py --workload gpu-std --batch "$batch" \
  --iters 20 --json "$OUT/torch-throughput.json"
machine=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
start=$SECONDS budget=20 # the merge runs even when the steps above used the budget up (device-check.sh leaves 15 s)
step merge 8 merge.log "$PY" bench/python/gpu_std_report.py --dir "$OUT" --md "$OUT/gpu-std.md" \
  --commit "$(git rev-parse --short HEAD 2>/dev/null)" --machine "$machine"
rm -rf "$work"
cat "$steps" "$OUT/gpu-std.md" "$OUT/gpu-std.incremental.md" 2>/dev/null
echo "gpu-std finished with status $status"
exit $status
