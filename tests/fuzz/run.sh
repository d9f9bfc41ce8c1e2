#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (preset `fuzz`) and runs each for SECONDS (default 20)
# from its seed corpus in tests/fuzz/corpus/<name>/. New inputs go to a scratch corpus
# under build/fuzz/corpus so the committed seeds stay small. A crash keeps its input in
# build/fuzz/crashes/ and fails the run. With FUZZ_GROW=1 (`make fuzz-long`: an hour per
# target), inputs that add coverage are merged back into the committed seed corpus.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(audio csv npy labels safetensors json model-package grammar importers train-config trainer-state
  stream-pcm stream-calls model-weights)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

failed=0
mkdir -p build/fuzz/crashes
for t in "${targets[@]}"; do
  bin=build/fuzz/tests/fuzz/fuzz-$t
  work=build/fuzz/corpus/$t
  mkdir -p "$work"
  printf '%-12s ' "$t"
  # -rss_limit_mb guards against accepting a huge allocation from a tiny header.
  if "$bin" "$work" "tests/fuzz/corpus/$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -max_len=65536 -timeout=10 -print_final_stats=1 -artifact_prefix="build/fuzz/crashes/$t-" \
      >"build/fuzz/$t.log" 2>&1; then
    grep -E '^stat::number_of_executed_units' "build/fuzz/$t.log" | awk '{printf "ok, %s runs\n", $2}'
    if [ "${FUZZ_GROW:-0}" = 1 ]; then
      before=$(ls "tests/fuzz/corpus/$t" | wc -l)
      "$bin" -merge=1 -max_len=65536 "tests/fuzz/corpus/$t" "$work" >"build/fuzz/$t-merge.log" 2>&1
      echo "             corpus $before -> $(ls "tests/fuzz/corpus/$t" | wc -l) files (tests/fuzz/corpus/$t)"
    fi
  else
    echo "FAILED (log: build/fuzz/$t.log)"
    tail -40 "build/fuzz/$t.log"
    failed=1
  fi
done
exit $failed
