#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for
# SECONDS (default 20) on its seed corpus; a finding fails the run and leaves
# the crashing input in build-fuzz/artifacts/.
#   bash tests/fuzz/run.sh [SECONDS]
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-20}"
build="$src/build-fuzz"
CXX=clang++ CC=clang cmake -S "$src" -B "$build" -DCPPCGI_FUZZ=ON -DCPPCGI_SANITIZE=ON -DCPPCGI_BUILD_MODULE=OFF \
  -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
mkdir -p "$build/artifacts"
for target in script_headers shebang wire line_splitter config doctor_report proc_stat; do
  work="$build/corpus/$target"
  mkdir -p "$work"
  cp -n "$src/tests/fuzz/corpus/$target/"* "$work/" 2>/dev/null || true
  echo "== fuzz_$target for ${seconds}s"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=70000 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$target-" "$work" 2>&1 | grep -E "stat::number_of_executed_units|ERROR|Done" || true
  # libFuzzer exits non-zero on a finding; grep above hides the status, so check artifacts.
  if ls "$build/artifacts/$target-"* >/dev/null 2>&1; then
    echo "fuzz_$target found a problem: $(ls "$build/artifacts/$target-"*)" >&2
    exit 1
  fi
done
echo "fuzz: no findings"
