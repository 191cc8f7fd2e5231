#!/usr/bin/env bash
# Build-time compilation of the CUDA sources, run by Maven (exec-maven-plugin) from the kernels module:
#   compile-kernels.sh ptx  <out-dir>   every src/main/cuda/*.cu through nvcc to sm_90 PTX (skipped, with
#                                       the reason printed, when nvcc is not on the PATH)
#   compile-kernels.sh host <out-dir>   the same kernel bodies as plain C++ (host_compat.h) into one shared
#                                       library called through FFM (HostLauncher), packaged in the jar
set -euo pipefail
mode=$1
out=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
src=$here/src/main/cuda
mkdir -p "$out"
case "$mode" in
  ptx)
    nvcc_bin=${NVCC:-$(command -v nvcc || true)}
    if [[ -z "$nvcc_bin" ]]; then
      echo "[kernels] PTX check SKIPPED: nvcc is not on the PATH (set NVCC=/path/to/nvcc to run it)"
      exit 0
    fi
    # -fmad=false: the kernels must round like the Java reference (no fused multiply-add).
    for cu in "$src"/*.cu; do
      name=$(basename "$cu" .cu)
      "$nvcc_bin" -arch=sm_90 -ptx -fmad=false -Werror all-warnings -I"$src" -o "$out/$name.ptx" "$cu"
      echo "[kernels] nvcc -arch=sm_90 -ptx $name.cu -> $out/$name.ptx"
    done
    ;;
  host)
    cxx=${CXX:-g++}
    # -ffp-contract=off for the same reason as -fmad=false above.
    # The C++ runtime is linked in, so the packaged library loads on any glibc Linux without a matching libstdc++.
    "$cxx" -std=c++17 -O2 -ffp-contract=off -fno-fast-math -fPIC -shared -static-libstdc++ -static-libgcc \
        -Wall -Wextra -Werror \
        -Wno-unused-parameter -x c++ -I"$src" -o "$out/libocc_kernels_host.so" "$here/src/host/host_kernels.cpp"
    echo "[kernels] host library $out/libocc_kernels_host.so"
    ;;
  *)
    echo "usage: compile-kernels.sh ptx|host <out-dir>" >&2
    exit 2
    ;;
esac
