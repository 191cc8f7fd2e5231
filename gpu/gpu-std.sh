#!/usr/bin/env bash
# The gpu-std comparison on a GPU machine (called by gpu/device-check.sh; STAGE = .device from gpu/prepare.sh):
#   JAVA=... OUT=... gpu/gpu-std.sh STAGE
# Each step runs under `timeout` (at most 330 s in all; about 2 minutes expected on an H200) and is logged under
# $OUT; a failed step is named in $OUT/gpu-std-steps.md and the script goes on to the merge. Exit 0 only if all passed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-$root/.device}
OUT=${OUT:-$root/gpu-out/gpu-std}
JAVA=${JAVA:-java}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
work=$(mktemp -d)
jars=$stage/gpu-check
cp=$(ls "$jars"/*.jar 2>/dev/null | grep -v junit-platform-console | tr '\n' ':')
status=0
steps=$OUT/gpu-std-steps.md
echo "| step | exit | log |" > "$steps"; echo "|---|---|---|" >> "$steps"
step() { # name, limit (s), log, command...
  local name=$1 limit=$2 log=$3; shift 3
  timeout --kill-after=10 "$limit" "$@" > "$OUT/$log" 2>&1
  local rc=$?
  [[ $rc -ne 0 ]] && status=1
  local why=""
  [[ $rc -eq 124 || $rc -eq 137 ]] && why=" (timed out after ${limit}s)"
  echo "| $name | $rc$why | $log: $(grep -v "^[[:space:]]*$" "$OUT/$log" | grep -v "^[[:space:]]*at " | tail -n 1 | cut -c1-160 | tr '|' '/') |" >> "$steps"
  return $rc
}
if [[ -z "$cp" ]]; then
  echo "| stage | 2 | no jars under $jars: run gpu/prepare.sh |" >> "$steps"; cat "$steps"; exit 1
fi
step export 60 export.log "$PY" bench/python/occlusion_baseline.py export --workload gpu-std --dir "$work" \
  || { cat "$steps"; exit 1; }
step occlusion4j 140 occlusion4j.log "$JAVA" --enable-native-access=ALL-UNNAMED -Docclusion4j.nvrtcCache="$OUT/nvrtc-cache" \
  -cp "$cp" io.occlusion4j.bench.GpuStdBenchmark --model "$work/model.onnx" --input "$work/input.npy" --out "$OUT" \
  --reps 3 --plan-reps 20
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
step merge 15 merge.log "$PY" bench/python/gpu_std_report.py --dir "$OUT" --md "$OUT/gpu-std.md" \
  --commit "$(git rev-parse --short HEAD 2>/dev/null)" --machine "$machine"
rm -rf "$work"
cat "$steps" "$OUT/gpu-std.md" 2>/dev/null
exit $status
