#!/usr/bin/env bash
# Prepares the device check on this machine (which has Java and Maven): builds the jars, packs a small
# Java runtime, and stages everything the GPU machine needs under .device/ (git-ignored, < 64 MiB), to
# be carried with the working tree. Then, on the GPU machine, in two calls of at most 8 minutes each:
#   gpu/device-check.sh checks       (probe, GPU test suites, the incremental plan on the GPU, writer throughput)
#   gpu/device-check.sh benchmarks   (gpu-std with --incremental off,on; ViT-B/16 and ConvNeXt-T; video)
# Arguments go to Maven (gpu/prepare.sh -o: offline).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
JAVA_HOME=$(bin/java-home)
export JAVA_HOME
mvn -B -q -ntp "$@" install -DskipTests -pl native-bindings,graph,engine,kernels,cuda-backend,bench -am
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
# ONNX Runtime: the tests compare with it and with the CPU back end (HostIncrementalParityTest, DevicePathTest,
# check-model's fp32 reference), and the CUDA back end's incremental choice (--incremental auto/on in FP32/TF32) runs
# the CPU back end's analysis, whose classes link to ONNX Runtime's. Its jar holds every platform's library (54 MB);
# only linux-x64's travels (about 10 MiB), in .device/ort/, on every class path of gpu/device-check.sh.
repo=$(sed -n 's/.*-Dmaven.repo.local=\([^ ]*\).*/\1/p' .mvn/maven.config 2>/dev/null | head -n 1)
repo=${repo:-$HOME/.m2/repository}
ort_version=$(sed -n 's:.*<onnxruntime.version>\(.*\)</onnxruntime.version>.*:\1:p' pom.xml | head -n 1)
ort_jar=$repo/com/microsoft/onnxruntime/onnxruntime/$ort_version/onnxruntime-$ort_version.jar
[ -f "$ort_jar" ] || { echo "gpu/prepare.sh: no $ort_jar (build once with network, or set -Dmaven.repo.local)" >&2; exit 1; }
mkdir -p "$stage/ort"
python3 - "$ort_jar" "$stage/ort/onnxruntime-$ort_version-linux-x64.jar" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        name = item.filename
        if name.startswith("ai/onnxruntime/native/") and not name.startswith("ai/onnxruntime/native/linux-x64/") \
                and name != "ai/onnxruntime/native/":
            continue
        zout.writestr(item, zin.read(name))
PY
size=$(du -sm "$stage" | cut -f1)
# The working tree travels with it (tracked files and untracked ones git does not ignore): 64 MiB in all.
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null \
  | awk '{ s += $1 } END { print int((s + 1048575) / 1048576) }')
du -sh "$stage"/*; du -sh "$stage"
echo "working tree without .device: about $tree MiB; together $((size + tree)) MiB of the 64 MiB a device call carries"
if [ $((size + tree)) -ge 60 ]; then
  echo "gpu/prepare.sh: $stage ($size MiB) and the working tree ($tree MiB) leave under 4 MiB of the 64 MiB a device call carries" >&2
  exit 1
fi
echo "staged in $stage: carry it (with the working tree) and run gpu/device-check.sh there"
