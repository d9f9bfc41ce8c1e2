#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The main job on the built-in default data, end to end, into out/demo/:
#   1. check the example labels (data/examples)
#   2. synthesize a small corpus from the grammar (data/text) with every TTS voice
#   3. `inherent build` into out/demo/small: validate the corpus labels, cache its
#      log-mels, fine-tune the shipped `small` on it (DEMO_STEPS, default 300, from
#      data/models/small/native with data/models/small/finetune.yaml), calibrate
#      per-head thresholds on the eval split (held-out voices and templates), export
#      every backend (native package, ONNX, LiteRT, LiteRT-LM, MLX) with them, evaluate
#      the native package on the test split, check each export against the checkpoint
#      (parity) and write the HTML report
#   4. score the example clips with the demo's model and the shipped one, side by side
# DEMO_FROM_SCRATCH=1 trains from random weights instead (the whole pipeline, but a few
# hundred steps from noise give a model that fires on everything).
# Every stage resumes: synth skips finished clips, `inherent build` skips the stages
# whose inputs did not change and resumes a killed training. DEMO_CLIPS / DEMO_STEPS
# size the run.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIPS=${DEMO_CLIPS:-1500}
STEPS=${DEMO_STEPS:-300}
OUT=out/demo
cmake --preset dev >/dev/null
cmake --build --preset dev --target inherent-cli
BIN=build/dev/tools/inherent/inherent
# The exporters run MLX and litert-lm-builder from the project's .venv (bootstrap).
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p "$OUT"
NOISE=()
[ -d ../shared/data/speech-commands-noise ] && NOISE=(--noise-dir ../shared/data/speech-commands-noise)

echo "== 1/4 labels check (data/examples)"
$BIN labels check data/examples/labels.csv

echo "== 2/4 synthesize $CLIPS clips -> $OUT/corpus"
$BIN synth --out "$OUT/corpus" --clips "$CLIPS" --seed 1 "${NOISE[@]}"

SHIPPED=data/models/small/native
TRAIN=(--config data/models/small/finetune.yaml --init-from "$SHIPPED")
WHAT="fine-tune the shipped small"
if [ "${DEMO_FROM_SCRATCH:-0}" = 1 ]; then
  TRAIN=(--config small)
  WHAT="train small from random weights"
fi
echo "== 3/4 build: $WHAT for $STEPS steps, calibrate, export every backend, eval, parity, report -> $OUT/small"
# Release gates are reported, not enforced (docs/training.md describes a full run).
$BIN build "${TRAIN[@]}" --labels "$OUT/corpus/labels.csv" --output-dir "$OUT/small" \
  --max-steps "$STEPS" --export-backend all

echo "== 4/4 the example clips (data/examples), scored by the demo's model and the shipped one"
$BIN score --json --model "$OUT/small/export/native" data/examples/audio/*.wav >"$OUT/examples-demo.jsonl"
$BIN score --json --model "$SHIPPED" data/examples/audio/*.wav >"$OUT/examples-shipped.jsonl"
echo
python3 scripts/demo-listing.py data/examples/labels.csv "demo=$OUT/examples-demo.jsonl" \
  "shipped=$OUT/examples-shipped.jsonl"

echo "demo: corpus $OUT/corpus, model group $OUT/small (exports in export/, test metrics in eval/eval.json)"
echo "summary: $OUT/small/summary.json"
[ -f "$OUT/small/report.html" ] && echo "report:  $OUT/small/report.html (open it in a browser)"
echo "score your own audio (WAV, FLAC, OGG, MP3; any rate):"
echo "  $BIN score --model $OUT/small/export/native your-clip.wav"
exit 0
