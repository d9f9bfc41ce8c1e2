#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# All benchmarks, one command: prints markdown tables with the machine named and writes
# JSON under out/bench/. Every ratio compares peers measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=out/bench
mkdir -p "$OUT"
cmake --preset release -DINHERENT_BUILD_BENCH=ON -DINHERENT_BUILD_EXPORT=ON >/dev/null
cmake --build --preset release --target bench-frontend bench-engine inherent-cli
.venv/bin/python -m pip install -q --no-build-isolation .

echo "## Machine"
echo
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(nproc) cores visible)"
echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME"), compiler: $(c++ --version | head -1)"
echo
.venv/bin/python bench/frontend.py --json-out "$OUT/frontend.json"
echo
echo "### Frontend, C ABI (Google Benchmark)"
echo
build/release/bench/bench-frontend --benchmark_format=console --benchmark_out="$OUT/frontend-cabi.json" \
  --benchmark_out_format=json 2>/dev/null | grep -E 'BM_|Benchmark' | sed 's/^/    /'
echo
echo "### Native engine vs ONNX Runtime, same weights (bench/engine.py)"
echo
.venv/bin/python bench/engine.py --cli build/release/tools/inherent/inherent --json-out "$OUT/engine-vs-onnxruntime.json"
echo
echo "### Native engine, C ABI (Google Benchmark): windows, stream hops, load"
echo
build/release/bench/bench-engine --benchmark_filter='/auto/|stream|load' --benchmark_format=console \
  --benchmark_out="$OUT/engine-cabi.json" --benchmark_out_format=json 2>/dev/null | grep -E 'BM_|Benchmark' | sed 's/^/    /'
echo
echo "### Browser: ONNX Runtime Web vs our WebAssembly engine (web/test/demo.test.mjs)"
echo
if [ -f build/wasm/web/demo/index.html ] && [ -x /usr/bin/chromium ] && [ -d web/node_modules/playwright-core ]; then
  INHERENT_DEMO_DIR=build/wasm/web/demo INHERENT_DEMO_OUT="$OUT/browser" node web/test/demo.test.mjs >/dev/null &&
    node web/test/latency-table.mjs "$OUT/browser/latency.json"
else
  echo "    skipped: needs the wasm build's demo (cmake --workflow --preset wasm), chromium and web/node_modules"
fi
echo
echo "### One pass vs two pass, clean and noisy (bench/one-vs-two-pass.py)"
echo
# Needs a native model package and a labels CSV with train, eval and test rows and audio;
# pocketsphinx costs about 0.35 s of CPU per second of audio, so LIMIT stays small.
# The model defaults to the shipped one; the labels are a corpus (`make corpus`).
INHERENT_BENCH_MODEL=${INHERENT_BENCH_MODEL:-data/models/small/native}
if [ -d "$INHERENT_BENCH_MODEL" ] && [ -n "${INHERENT_BENCH_LABELS:-}" ]; then
  cmake --preset release -DINHERENT_BUILD_BASELINE=ON >/dev/null  # pocketsphinx, for `inherent baseline`
  cmake --build --preset release --target inherent-cli >/dev/null
  noise=()
  [ -d ../shared/data/speech-commands-noise ] && noise=(--noise-dir ../shared/data/speech-commands-noise)
  INHERENT=build/release/tools/inherent/inherent .venv/bin/python bench/one-vs-two-pass.py "${noise[@]}" \
    "$INHERENT_BENCH_MODEL" "$INHERENT_BENCH_LABELS" "$INHERENT_BENCH_LABELS" "$OUT/one-vs-two-pass" \
    "${INHERENT_BENCH_LIMIT:-300}" 2>"$OUT/one-vs-two-pass.log" || echo "    failed: see $OUT/one-vs-two-pass.log"
else
  echo "    skipped: set INHERENT_BENCH_LABELS (labels CSV with audio, e.g. out/corpus-100k/labels.csv; INHERENT_BENCH_MODEL defaults to data/models/small/native)"
fi
