#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Does training on speech spans (data.trim_to_speech, docs/training.md) pay where the
# span is used for scoring? The shipped small fine-tuned on the same corpus, steps, seed
# and learning rate as bench/piper-voice.sh's (a), but on each clip's speech span, then
# exported to score on spans by default (scoring.trim_to_speech). Judged by
# bench/speech-span.py beside (a), on the same probes, with and without the span.
#
#   bench/span-training.sh [CORPUS] [OUT]
#
# Reads OUT/prep-a and OUT/finetune.yaml, which bench/piper-voice.sh CORPUS OUT leaves.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-out/corpus-15k}
OUT=${2:-out/piper-voice}
STEPS=${STEPS:-3000}
BIN=build/dev/tools/inherent/inherent
PY=.venv/bin/python
for f in "$OUT/prep-a/manifest.csv" "$OUT/finetune.yaml"; do
  [ -f "$f" ] || { echo "span-training: $f missing (run bench/piper-voice.sh $CORPUS $OUT first)" >&2; exit 2; }
done
$PY - "$OUT/finetune.yaml" "$OUT/finetune-span.yaml" <<'PYEOF'
import sys
text = open(sys.argv[1]).read()
if "\ndata:\n" in text:
    text = text.replace("\ndata:\n", "\ndata:\n  trim_to_speech: true\n", 1)
else:
    text = text.rstrip("\n") + "\ndata:\n  trim_to_speech: true\n"
open(sys.argv[2], "w").write(text)
PYEOF
if [ ! -f "$OUT/pkg-s/native/inherent.metadata.json" ]; then
  $BIN train --config "$OUT/finetune-span.yaml" --labels "$OUT/prep-a/manifest.csv" \
    --init-from data/models/small/native --max-steps "$STEPS" --output-dir "$OUT/run-s" >"$OUT/train-s.log" 2>&1
  $BIN export --checkpoint "$OUT/run-s/last" --backend native --trim-to-speech -o "$OUT/pkg-s" -q
fi
$PY bench/speech-span.py --corpus "$CORPUS" --package "$OUT/pkg-s/native" --json-out "$OUT/probes-pkg-s.json"
