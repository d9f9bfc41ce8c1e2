#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Every test of inherent, in stages (the README's test command runs this via `make test`):
#   format  every C/C++ file as clang-format writes it     scripts/check-format.sh
#   dev     build + ctest (unit, golden, e2e)              cmake --workflow --preset dev
#   asan    the C++ tests under ASan + UBSan               cmake --workflow --preset asan
#   tsan    threaded engine code under TSan (label tsan)   cmake --workflow --preset tsan
#   fuzz    libFuzzer on every parser, bounded time        tests/fuzz/run.sh
#   python  pip install . into .venv, pytest python/tests
#   wasm    emscripten build + node test vs native         cmake --workflow --preset wasm
# `scripts/test.sh dev python` runs only the named stages. A summary with timings ends it.
set -uo pipefail
cd "$(dirname "$0")/.."
# No test may wait on a terminal or on whatever pipe the caller left open.
exec </dev/null
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-$(nproc)}
export NODE_PATH=/usr/share/nodejs
command -v ccache >/dev/null && export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache

stage_format() { scripts/check-format.sh; }
stage_dev() { cmake --workflow --preset dev; }
stage_asan() { cmake --workflow --preset asan; }
stage_tsan() { cmake --workflow --preset tsan; }
stage_fuzz() { tests/fuzz/run.sh "${FUZZ_SECONDS:-20}"; }
stage_python() {
  .venv/bin/python -m pip install -q --no-build-isolation . &&
    .venv/bin/python -m pytest -q python/tests
}
stage_wasm() { cmake --workflow --preset wasm; }

stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(format dev asan tsan fuzz python wasm)
summary=()
failed=0
for s in "${stages[@]}"; do
  printf '\n\033[1m==== test stage: %s ====\033[0m\n' "$s"
  start=$(date +%s)
  rm -f "build/$s/Testing/Temporary/LastTestsFailed.log"
  if "stage_$s"; then result=ok; else result=FAILED; failed=1; fi
  summary+=("$(printf '%-8s %-7s %4ss' "$s" "$result" "$(( $(date +%s) - start ))")")
  # Name the failed tests in the summary too: CI logs keep only the tail.
  if [ "$result" = FAILED ] && [ -s "build/$s/Testing/Temporary/LastTestsFailed.log" ]; then
    while read -r line; do summary+=("         failed: $line"); done <"build/$s/Testing/Temporary/LastTestsFailed.log"
  fi
done
printf '\n==== summary ====\n'
printf '%s\n' "${summary[@]}"
exit $failed
