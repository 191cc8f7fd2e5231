#!/usr/bin/env bash
# Prepares the device check on this machine (which has Java and Maven): builds the jars, packs a small
# Java runtime, and stages everything the GPU machine needs under .device/ (git-ignored, < 64 MiB), to
# be carried with the working tree. Then, on the GPU machine: gpu/device-check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
JAVA_HOME=$(bin/java-home)
export JAVA_HOME
mvn -B -q -ntp install -DskipTests -pl native-bindings,graph,engine,kernels,cuda-backend,bench -am
stage=.device
rm -rf "$stage"
mkdir -p "$stage/native-bindings" "$stage/kernels-host"
tools=${OCCLUSION4J_SHARED:-$root/../shared}/tools
"$tools/portable-jre.sh" "$stage/jre.tar.xz" \
  java.base,java.logging,java.management,java.xml,jdk.unsupported,jdk.httpserver,jdk.incubator.vector,java.desktop
cp native-bindings/target/occlusion4j-native-bindings-*.jar "$stage/native-bindings/"
cp -r native-bindings/target/gpu-check "$stage/native-bindings/"
# The GPU tests' class path (kernels and CUDA back end tests, their dependencies but ONNX Runtime), the
# back end's test jar, and the bench jar (gpu-std, video and writer benchmark mains).
cp -r cuda-backend/target/gpu-check "$stage/"
cp cuda-backend/target/occlusion4j-cuda-backend-*-tests.jar "$stage/gpu-check/"
cp bench/target/occlusion4j-bench-*.jar "$stage/gpu-check/"
cp kernels/target/host/libocc_kernels_host.so "$stage/kernels-host/"
du -sh "$stage"
echo "staged in $stage: carry it (with the working tree) and run gpu/device-check.sh there"
