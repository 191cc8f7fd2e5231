#!/usr/bin/env bash
# Runs the native-bindings GPU suite on a machine with a GPU but no Java build tools.
#
#   JAVA=/path/to/jlink-runtime/bin/java ./gpu-check.sh [JAR_DIR]
#
# JAR_DIR (default: native-bindings/target) must hold occlusion4j-native-bindings-*.jar, the matching
# *-tests.jar, and gpu-check/ with junit-platform-console-standalone.jar and assertj-core (Maven's
# `verify` puts them there). Logs and JUnit XML go under $OUT (default: ./gpu-check-out).
# SANITIZER=1 adds a second run under compute-sanitizer (memcheck) when it is installed.
# Exit status: 0 only if the GPU suite ran with no failure and no skipped test.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
JAVA="${JAVA:-java}"
JAR_DIR="${1:-$here/target}"
OUT="${OUT:-$PWD/gpu-check-out}"
mkdir -p "$OUT"

main_jar="$(ls "$JAR_DIR"/occlusion4j-native-bindings-*.jar | grep -v -- '-tests.jar' | head -n1)"
test_jar="$(ls "$JAR_DIR"/occlusion4j-native-bindings-*-tests.jar | head -n1)"
support="$JAR_DIR/gpu-check"
[ -d "$support" ] || support="$JAR_DIR"
console="$support/junit-platform-console-standalone.jar"
classpath="$main_jar:$test_jar:$(ls "$support"/assertj-core-*.jar | head -n1)"
for jar in "$support"/byte-buddy-*.jar; do [ -e "$jar" ] && classpath="$classpath:$jar"; done

"$JAVA" -version > "$OUT/java-version.txt" 2>&1
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true

# What the probe finds, exactly as `occlusion4j doctor` will report it.
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$classpath" io.occlusion4j.cuda.NativeProbe \
    2>&1 | tee "$OUT/probe.txt"

run_suite() {
    local name="$1" selector="$2"; shift 2
    set +e
    "$@" --enable-native-access=ALL-UNNAMED -Xss4m -jar "$console" execute \
        --class-path "$classpath" $selector \
        --details=tree --disable-banner \
        --reports-dir "$OUT/junit-$name" > "$OUT/$name.log" 2>&1
    local status=$?
    set -e
    cat "$OUT/$name.log"
    if [ "$status" -ne 0 ]; then
        echo "gpu-check: $name run failed (status $status), see $OUT/$name.log" >&2
        return "$status"
    fi
}

# The rest of the module's tests, for the record (their missing-library cases skip here, as they should).
host_status=0
run_suite host "--select-package io.occlusion4j.cuda" "$JAVA" || host_status=$?

# The GPU suite gates: on a GPU machine a skipped GPU test means a missing library or device.
run_suite gpu "--select-class io.occlusion4j.cuda.GpuSuiteTest" "$JAVA"
found="$(sed -n 's/.*\[ *\([0-9]*\) tests found.*/\1/p' "$OUT/gpu.log")"
successful="$(sed -n 's/.*\[ *\([0-9]*\) tests successful.*/\1/p' "$OUT/gpu.log")"
if [ -z "$found" ] || [ "$found" -eq 0 ] || [ "$found" != "$successful" ]; then
    # Assumption failures (no device, a library missing) are "aborted", with the reason in the log.
    echo "gpu-check: only ${successful:-0} of ${found:-0} GPU tests passed; see the reasons in $OUT/gpu.log" >&2
    exit 3
fi

if [ "${SANITIZER:-0}" = "1" ]; then
    sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -n1 || true)"
    if [ -n "$sanitizer" ]; then
        run_suite sanitizer "--select-class io.occlusion4j.cuda.GpuSuiteTest" "$sanitizer" --tool memcheck --log-file "$OUT/compute-sanitizer.txt" "$JAVA"
    else
        echo "gpu-check: SANITIZER=1 but compute-sanitizer is not installed" | tee "$OUT/compute-sanitizer.txt"
    fi
fi
if [ "$host_status" -ne 0 ]; then
    echo "gpu-check: the GPU suite passed but host-side tests failed, see $OUT/host.log" >&2
    exit "$host_status"
fi
echo "gpu-check: passed; logs in $OUT"
