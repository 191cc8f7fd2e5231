#!/usr/bin/env bash
# The Spark scale-out benchmark in one command: builds bench, then runs SparkBenchmark (plain loops over explain
# against Spark local[1], local[2] and standalone clusters of one and two Workers), which writes
# bench/results/spark-DATE.md. Extra arguments go to it: --rows N (default 24), --rounds R (default 3),
# --only KEY,... (some configurations: loop1 loop2threads jvm2 loops-shared loops-own local1 local2 standalone1 standalone2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
JAVA_HOME=$("$root/bin/java-home")
export JAVA_HOME
cd "$root"
mvn -B -q -ntp package -DskipTests -pl bench -am
# ONNX Runtime 1.29's telemetry crashes a JVM with a long command line; the class path goes by argfile anyway.
export ORT_DISABLE_TELEMETRY=1 SPARK_LOCAL_IP=127.0.0.1
printf -- '-cp "%s"\n' "$root/bench/target/benchmarks.jar:$(cat bench/target/spark.classpath)" > bench/target/spark-bench.args
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true @bench/target/spark-jvm.options \
  @bench/target/spark-bench.args io.occlusion4j.bench.SparkBenchmark "$@"
