#!/usr/bin/env bash
# Regenerates the bound set with jextract from the real headers, for comparison with the committed
# classes (src/main/java/io/occlusion4j/cuda/bindings, written by src/main/bindings/generate_bindings.py).
#
#   CUDA_HOME=/usr/local/cuda CUDNN_INCLUDE=/path/to/cudnn/include ./regenerate-with-jextract.sh [OUT_DIR]
#
# Every function in src/main/bindings/*_h.symbols becomes an --include-function, every struct in
# structs.symbols an --include-struct/--include-typedef. Output goes to OUT_DIR (default
# target/jextract), never over the committed sources. Does nothing, successfully, without jextract.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
symbols="$here/src/main/bindings"
out="${1:-$here/target/jextract}"
cuda_include="${CUDA_HOME:-/usr/local/cuda}/include"
cudnn_include="${CUDNN_INCLUDE:-$cuda_include}"

if ! command -v jextract > /dev/null; then
    echo "jextract is not on the PATH: nothing regenerated (the committed bindings stay as they are)"
    exit 0
fi

for list in "$symbols"/*_h.symbols; do
    class="$(basename "$list" .symbols)"
    header="$(sed -n 's/^header //p' "$list")"
    include="$cuda_include"
    [ "$class" = cudnn_h ] && include="$cudnn_include"
    if [ ! -f "$include/$header" ]; then
        echo "skip $class: $include/$header not found"
        continue
    fi
    args=()
    # Function names: the word before '(' on every prototype line.
    while read -r name; do
        args+=(--include-function "$name")
    done < <(grep -vE '^(#|header |library |const |$)' "$list" | sed -E 's/^.*[^A-Za-z0-9_]([A-Za-z0-9_]+)\(.*$/\1/')
    while read -r name; do
        args+=(--include-constant "$name")
    done < <(sed -n 's/^const int \([A-Za-z0-9_]*\) = .*/\1/p' "$list")
    while read -r name; do
        args+=(--include-typedef "$name")
    done < <(awk -v h="$header" '$1 == "struct" && $3 == h { print $2 }' "$symbols/structs.symbols")
    echo "jextract $class from $include/$header (${#args[@]} options)"
    jextract --output "$out" --target-package io.occlusion4j.cuda.bindings.jextract --header-class-name "$class" \
        -I "$include" "${args[@]}" "$include/$header"
done
echo "generated into $out"
