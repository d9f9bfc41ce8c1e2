#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Turns an `inherent build` model group into the shipped model, data/models/small/:
#   native/ onnx/ litert/ litertlm/ mlx/   every backend, exported from the build's
#                                          checkpoint with its calibrated thresholds and
#                                          the corpus's attributions (LiteRT: float16
#                                          primary, float32 beside it)
#                                          (+ int16x8 LiteRT when SHIP_CALIBRATION names
#                                          a prep manifest and the checkpoint is snapped)
#   parity/*.json                          each artifact against the checkpoint on the
#                                          test split (256 clips; 64 for fixed-shape ones)
#   eval.json, thresholds.json, train.yaml the build's test metrics, thresholds and config
# The new folder is assembled under DEST.tmp and swapped in at the end, so a failed run
# leaves the old model in place. A parity gate that fails stops the script (exit 1).
# Usage: scripts/ship-model.sh BUILD_DIR LABELS_CSV [DEST] [MODEL_VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: scripts/ship-model.sh BUILD_DIR LABELS_CSV [DEST=data/models/small] [MODEL_VERSION=0.1.0]" >&2
  exit 2
fi
BUILD=$1
LABELS=$2
DEST=${3:-data/models/small}
VERSION=${4:-0.1.0}
BIN=${INHERENT_CLI:-build/dev/tools/inherent/inherent}
export PATH="$PWD/.venv/bin:$PATH"
# The snapped checkpoint (`inherent build --snap-int8`, or `inherent snap` into
# BUILD/snapped) when there is one: its integer exports hold exactly its weights.
CKPT=$BUILD/snapped
[ -f "$CKPT/model.safetensors" ] || CKPT=$BUILD/train/best
[ -f "$CKPT/model.safetensors" ] || CKPT=$BUILD/train/last
QUANT=float16
CALIB=()
if [ -n "${SHIP_CALIBRATION:-}" ] && [ "$CKPT" = "$BUILD/snapped" ]; then
  QUANT=float16,int16x8
  CALIB=(--calibration-manifest "$SHIP_CALIBRATION")
fi
for f in "$CKPT/model.safetensors" "$BUILD/thresholds.json" "$BUILD/eval/eval.json" "$LABELS"; do
  [ -f "$f" ] || { echo "ship-model: $f is missing (run inherent build to the end first)" >&2; exit 1; }
done
ATTR=()
[ -f "$(dirname "$LABELS")/attributions.json" ] && ATTR=(--attributions "$(dirname "$LABELS")/attributions.json")

TMP=$DEST.tmp
rm -rf "$TMP"
mkdir -p "$TMP/parity"
echo "== export $CKPT -> $TMP"
"$BIN" export --checkpoint "$CKPT" --thresholds "$BUILD/thresholds.json" "${ATTR[@]}" --backend all \
  --quantization "$QUANT" "${CALIB[@]}" --model-version "$VERSION" -o "$TMP"

echo "== parity on the test split of $LABELS"
failed=()
parity() {  # NAME ARTIFACT CLIPS
  if ! "$BIN" parity --checkpoint "$CKPT" --artifact "$2" --manifest "$LABELS" --split test --max-clips "$3" \
    --json-out "$TMP/parity/$1.json" --threads "$(nproc)" -q; then
    failed+=("$1")
  fi
}
parity native "$TMP/native" 256
parity onnx "$TMP/onnx" 256
parity onnx-3000 "$TMP/onnx/model-3000.onnx" 64
parity litert-fp16 "$TMP/litert/model_fp16.tflite" 256
parity litert-fp32 "$TMP/litert/model.tflite" 256
[ -f "$TMP/litert/model_int16x8.tflite" ] && parity litert-int16x8 "$TMP/litert/model_int16x8.tflite" 256
parity mlx "$TMP/mlx" 256
if [ ${#failed[@]} -gt 0 ]; then
  echo "ship-model: parity failed for ${failed[*]} ($TMP/parity/); $DEST is unchanged" >&2
  exit 1
fi

# The reports name the artifacts where they will live, not where they were checked.
sed -i "s#$TMP/#$DEST/#g" "$TMP"/parity/*.json
cp "$BUILD/eval/eval.json" "$TMP/eval.json"
[ -f "$DEST/README.md" ] && cp "$DEST/README.md" "$TMP/README.md"  # the model card is written by hand
cp "$BUILD/thresholds.json" "$TMP/thresholds.json"
cp "$BUILD/train/config.yaml" "$TMP/train.yaml"
rm -rf "$DEST.old"
[ -d "$DEST" ] && mv "$DEST" "$DEST.old"
mv "$TMP" "$DEST"
rm -rf "$DEST.old"
du -sh "$DEST"/*/ | sed 's/^/ship-model: /'
echo "ship-model: $DEST ($VERSION) from $CKPT"
