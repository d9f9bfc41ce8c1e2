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
#                                          test split (256 clips; 64 for fixed-shape ones),
#                                          and on noisy copies of 64 of them at 10 and 0 dB
#                                          (*-snr10.json, *-snr00.json), gated too: the
#                                          optional int16x8 file is left out when it fails
#                                          there (*-not-shipped.json), any other file stops it
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
# Thresholds calibrated on speech spans make a package that scores speech spans.
SCORING=()
if python3 -c 'import json, sys
sys.exit(0 if json.load(open(sys.argv[1])).get("threshold_calibration", {}).get("trim_to_speech") is True else 1)' \
  "$BUILD/thresholds.json"; then
  SCORING=(--trim-to-speech)
fi
ATTR=()
[ -f "$(dirname "$LABELS")/attributions.json" ] && ATTR=(--attributions "$(dirname "$LABELS")/attributions.json")

TMP=$DEST.tmp
rm -rf "$TMP"
mkdir -p "$TMP/parity"
echo "== export $CKPT -> $TMP"
"$BIN" export --checkpoint "$CKPT" --thresholds "$BUILD/thresholds.json" "${SCORING[@]}" "${ATTR[@]}" --backend all \
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

# Beyond the test split: the same gates on noisy copies of 64 test clips at 10 and 0 dB
# SNR (parity/NAME-snr10.json and -snr00.json). A file ships only if it holds there too:
# the optional int16x8 file is dropped from the package when it fails (its reports keep
# a -not-shipped suffix and its sidecar entry goes); any other file stops the script.
echo "== parity on noisy copies of the test split"
NOISE=()
[ -d ../shared/data/speech-commands-noise ] && NOISE=(--noise-dir ../shared/data/speech-commands-noise)
"$BIN" noisy -q --labels "$LABELS" --split test --snr 0,10 --limit 64 --seed 1 "${NOISE[@]}" --out "$TMP.noisy"
noisy_failed=()
for level in 10 00; do
  while read -r name artifact; do
    [ -e "$artifact" ] || continue
    if ! "$BIN" parity --checkpoint "$CKPT" --artifact "$artifact" --manifest "$TMP.noisy/snr-$level/labels.csv" \
      --split test --max-clips 64 --json-out "$TMP/parity/$name-snr$level.json" --threads "$(nproc)" -q; then
      noisy_failed+=("$name")
    fi
  done <<EOF_ARTIFACTS
native $TMP/native
onnx $TMP/onnx
litert-fp16 $TMP/litert/model_fp16.tflite
litert-int16x8 $TMP/litert/model_int16x8.tflite
mlx $TMP/mlx
EOF_ARTIFACTS
done
rm -rf "$TMP.noisy"
for name in $(printf '%s\n' "${noisy_failed[@]}" | sort -u); do
  if [ "$name" != litert-int16x8 ]; then
    echo "ship-model: parity failed on noisy clips for $name ($TMP/parity/); $DEST is unchanged" >&2
    exit 1
  fi
  echo "ship-model: litert-int16x8 fails parity on noisy clips: not shipped" >&2
  .venv/bin/python scripts/drop-artifact.py "$TMP/litert" model_int16x8.tflite
  for f in "$TMP"/parity/litert-int16x8*.json; do mv "$f" "${f%.json}-not-shipped.json"; done
done

# The reports name the artifacts where they will live, not where they were checked, and
# the noisy sets by what they were (they are not kept).
sed -i -e "s#$TMP.noisy/#noisy-test-copies/#g" -e "s#$TMP/#$DEST/#g" "$TMP"/parity/*.json
cp "$BUILD/eval/eval.json" "$TMP/eval.json"
# Hand-written files stay: the model card and the demo's fine-tuning config.
for f in README.md finetune.yaml; do
  [ -f "$DEST/$f" ] && cp "$DEST/$f" "$TMP/$f"
done
cp "$BUILD/thresholds.json" "$TMP/thresholds.json"
cp "$BUILD/train/config.yaml" "$TMP/train.yaml"
rm -rf "$DEST.old"
[ -d "$DEST" ] && mv "$DEST" "$DEST.old"
mv "$TMP" "$DEST"
rm -rf "$DEST.old"
du -sh "$DEST"/*/ | sed 's/^/ship-model: /'
echo "ship-model: $DEST ($VERSION) from $CKPT"
