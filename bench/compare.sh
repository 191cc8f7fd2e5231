#!/usr/bin/env bash
# occlusion4j vs the PyTorch baseline on one workload (default cpu-small), alternating runs, results
# table under bench/results/. Installs Debian's python3-torch and python3-torchvision when no python3
# with torch is found (needs root and the Debian archive). Usage: bench/compare.sh [WORKLOAD] [REPS] [INCREMENTAL]
# WORKLOAD: cpu-small (default), cpu-vgg16, cpu-resnet50; INCREMENTAL (on|auto) adds occlusion4j's incremental
# inference beside its full sweep, e.g. bench/compare.sh cpu-resnet50 3 on
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
workload=${1:-cpu-small}
reps=${2:-3}
find_python() {
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "import torch, torchvision, numpy" >/dev/null 2>&1; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}
if ! py=$(find_python); then
  echo "no python3 with torch, torchvision and numpy: installing Debian's python3-torch python3-torchvision" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-torchvision python3-numpy
  py=$(find_python) || { echo "python3 with torch still not found" >&2; exit 1; }
fi
JAVA_HOME=$(bin/java-home)
jar=bench/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  JAVA_HOME=$JAVA_HOME mvn -B -q -ntp install -DskipTests -pl bench -am
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" io.occlusion4j.bench.BaselineComparison \
  --python "$py" --workload "$workload" --reps "$reps" ${3:+--incremental "$3"}
