#!/usr/bin/env bash
# Prepares the device check on this machine (which has Java and Maven): builds the jars, packs a small
# Java runtime, and stages everything the GPU machine needs under .device/ (git-ignored, < 64 MiB), to
# be carried with the working tree. Then, on the GPU machine: gpu/device-check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
JAVA_HOME=$(bin/java-home)
export JAVA_HOME
mvn -B -q -ntp install -DskipTests -pl native-bindings,engine,kernels,tests -am
stage=.device
rm -rf "$stage"
mkdir -p "$stage/native-bindings" "$stage/tests" "$stage/kernels-host"
tools=${OCCLUSION4J_SHARED:-$root/../shared}/tools
"$tools/portable-jre.sh" "$stage/jre.tar.xz" \
  java.base,java.logging,java.management,java.xml,jdk.unsupported,jdk.httpserver,jdk.incubator.vector,java.desktop
cp native-bindings/target/occlusion4j-native-bindings-*.jar "$stage/native-bindings/"
cp -r native-bindings/target/gpu-check "$stage/native-bindings/"
cp -r tests/target/gpu-check "$stage/tests/"
cp tests/target/occlusion4j-tests-*-tests.jar "$stage/tests/"
cp kernels/target/host/libocc_kernels_host.so "$stage/kernels-host/"
du -sh "$stage"
echo "staged in $stage: carry it (with the working tree) and run gpu/device-check.sh there"
