#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The main job on the built-in example data (data/examples): validate the labels,
# compute the mel cache, and show the features of every clip. Output in out/demo/.
# (The full pipeline - synthesize, train, export, calibrate, report - replaces this as
# those stages land.)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release
BIN=build/release/tools/inherent/inherent
OUT=out/demo
mkdir -p "$OUT/mels"
echo "== labels check"
$BIN labels check data/examples/labels.csv
echo "== prep (mel cache + manifest)"
$BIN prep --labels data/examples/labels.csv --out "$OUT/cache"
echo "== mel of each example clip"
for f in data/examples/audio/*.wav; do
  $BIN mel "$f" -o "$OUT/mels/$(basename "${f%.wav}").npy"
done
echo
echo "demo: outputs in $OUT/ (manifest: $OUT/cache/manifest.csv)"
