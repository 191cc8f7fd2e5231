#!/usr/bin/env bash
# Prepares the device check on this machine (which has Java and Maven): builds the jars, packs a small
# Java runtime, and stages everything the GPU machine needs under .device/ (git-ignored, < 64 MiB), to
# be carried with the working tree. Then, on the GPU machine, in two calls of at most 8 minutes each:
#   gpu/device-check.sh checks       (probe, GPU test suites, writer throughput)
#   gpu/device-check.sh benchmarks   (gpu-std and video)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
JAVA_HOME=$(bin/java-home)
export JAVA_HOME
mvn -B -q -ntp install -DskipTests -pl native-bindings,graph,engine,kernels,cuda-backend,bench -am
stage=.device
rm -rf "$stage"
mkdir -p "$stage"
tools=${OCCLUSION4J_SHARED:-$root/../shared}/tools
"$tools/portable-jre.sh" "$stage/jre.tar.xz" \
  java.base,java.logging,java.management,java.xml,jdk.unsupported,jdk.httpserver,jdk.incubator.vector,java.desktop
# The GPU tests' class path: the CUDA back end's test dependencies (kernels and their test jar with the host
# kernel library inside, engine, graph; not ONNX Runtime, 54 MB), the back end's and the bindings' test jars,
# and the bench jar (gpu-std, video and writer benchmark mains). The back end checks itself against ONNX Runtime
# only where it is on the class path: the benchmarks pass --no-verify's equivalent, the GPU tests compare with the
# reference executor and their closed forms.
cp -r cuda-backend/target/gpu-check "$stage/"
cp cuda-backend/target/occlusion4j-cuda-backend-*.jar "$stage/gpu-check/"
cp native-bindings/target/occlusion4j-native-bindings-*-tests.jar "$stage/gpu-check/"
cp bench/target/occlusion4j-bench-*.jar "$stage/gpu-check/"
size=$(du -sm "$stage" | cut -f1)
du -sh "$stage"
if [ "$size" -ge 64 ]; then
  echo "gpu/prepare.sh: $stage is ${size} MiB, over the 64 MiB a device call carries" >&2
  exit 1
fi
echo "staged in $stage: carry it (with the working tree) and run gpu/device-check.sh there"
