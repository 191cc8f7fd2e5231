#!/usr/bin/env bash
# Every GPU check of the project in one run, on a GPU machine with no Java and no network, from what
# gpu/prepare.sh staged under .device/. Writes logs and result tables under $OUT (default ./gpu-out):
#   native-bindings/  the bindings' GPU suite (alloc, copies, NVRTC, events, graphs, SGEMM, cuDNN conv)
#   kernels/          kernels vs the CPU reference, the GPU occlusion session, writer throughput
#   gpu-std/          the gpu-std workload: occlusion4j (CUDA back end) vs PyTorch on CUDA, gpu-std.md
#   video/            the video workload (16x112x112, window 2x16x16) on the CUDA back end, video.md
# STEPS (default "bindings kernels gpu-std video") picks steps, e.g. STEPS=gpu-std for the benchmark alone.
# Exit status: 0 only if every step passed with no GPU test skipped.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
OUT=${OUT:-$root/gpu-out}
mkdir -p "$OUT"
stage=$root/.device
[ -f "$stage/jre.tar.xz" ] || { echo "no $stage/jre.tar.xz: run gpu/prepare.sh on the build machine and carry .device" >&2; exit 2; }
jre=$(mktemp -d)
tar -xJf "$stage/jre.tar.xz" -C "$jre"
export JAVA=$jre/jre/bin/java
{ date -u; git rev-parse --short HEAD 2>/dev/null; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1; } > "$OUT/machine.txt"
# The CUDA libraries come from PyTorch's wheels here: the bindings' locator searches site-packages/nvidia/*/lib.
python3 -c "import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))" >> "$OUT/machine.txt" 2>&1 || true
status=0
STEPS=${STEPS:-bindings kernels gpu-std video}
want() { case " $STEPS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
want bindings && { OUT="$OUT/native-bindings" bash native-bindings/gpu-check.sh "$stage/native-bindings" || status=1; }
want kernels && { OUT="$OUT/kernels" GPU_CHECK_JARS="$stage/gpu-check" HOST_KERNELS="$stage/kernels-host/libocc_kernels_host.so" \
  bash gpu/backend-check.sh || status=1; }
# gpu-std (about 2 minutes on an H200, at most 365 s): export ResNet-50 + input, occlusion4j end to end and
# plan-only per precision, the PyTorch loop and PyTorch eager per precision, then the merged table.
want gpu-std && { OUT="$OUT/gpu-std" JAVA="$JAVA" bash gpu/gpu-std.sh "$stage" || status=1; }
# The video workload (16x112x112 clips, window 2x16x16) on the CUDA back end, per precision (at most 120 s).
if want video; then
  mkdir -p "$OUT/video"
  video_cp=$(ls "$stage"/gpu-check/*.jar | grep -v junit-platform-console | tr '\n' ':')
  timeout --kill-after=10 120 "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$video_cp" \
    io.occlusion4j.bench.GpuVideoBenchmark "$OUT/video" 3 > "$OUT/video/video.log" 2>&1 || status=1
  cat "$OUT/video/video.md" 2>/dev/null
fi
echo "device check finished with status $status; results under $OUT"
exit $status
