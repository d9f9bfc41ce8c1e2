#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Does unlabelled real speech, scored by the backbone teacher, carry real voices into
# `small`? (docs/training.md, "Unlabelled real speech"). Two fine-tunes of the shipped
# small on the same corpus, same steps and seed: (a) no distillation; (b) distillation
# toward the teacher's scores on real recordings without labels (real-dev's fit half and
# a third of fsdd: no probe speaker), added as unlabelled rows. Each package is then
# judged by bench/speech-span.py on the same probes as the shipped model.
#
#   bench/distill-real.sh [CORPUS] [TEACHER_HEADS] [OUT]
#
# Needs the corpus (CORPUS_CLIPS=15000 scripts/default-corpus.sh out/corpus-15k), the
# teacher's heads and feature cache (bench/backbone-designs.py --trim writes
# OUT/D1-pooled.pt and OUT/features) and the whisper weights (docs/backbone.md).
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-out/corpus-15k}
HEADS=${2:-out/backbone-trim/D1-pooled.pt}
OUT=${3:-out/distill}
STEPS=${STEPS:-1000}
BIN=build/dev/tools/inherent/inherent
PY=.venv/bin/python
mkdir -p "$OUT"

echo "== real audio without labels (no probe speaker)"
$PY - "$OUT/real-fit.txt" <<'PYEOF'
import sys
from pathlib import Path
sys.path.insert(0, "src/backbone")
import real_speech
fit = [r["path"] for r in real_speech.real_dev_clips("fit")]
fsdd = sorted(str(p) for p in (real_speech.SHARED / "fsdd").rglob("*.wav"))[::3]
Path(sys.argv[1]).write_text("\n".join(fit + fsdd) + "\n")
print(f"{len(fit)} real-dev fit clips, {len(fsdd)} fsdd clips")
PYEOF

echo "== teacher scores on them"
[ -f "$OUT/taught.csv" ] || $PY src/backbone/teacher.py "$CORPUS/labels.csv" "$OUT/taught.csv" --heads "$HEADS" \
  --trim --splits none --audio-list "$OUT/real-fit.txt" --cache "$(dirname "$HEADS")/features"

echo "== mel cache"
$BIN prep --labels "$OUT/taught.csv" --out "$OUT/prep" -q
# (a) reads the labelled rows only.
$PY - "$OUT/prep/manifest.csv" "$OUT/prep/manifest-labelled.csv" <<'PYEOF'
import csv, sys
with open(sys.argv[1], newline="") as f:
    r = csv.DictReader(f)
    rows = [x for x in r if x["isInteresting"] != ""]
    header = r.fieldnames
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=header)
    w.writeheader()
    w.writerows(rows)
PYEOF

config() {  # $1: file, $2: distill weight. The demo's fine-tune at lr 1e-4.
  $PY - data/models/small/finetune.yaml "$1" "$2" <<'PYEOF'
import re, sys
text = re.sub(r"(?m)^  lr: .*$", "  lr: 1e-4", open(sys.argv[1]).read())
if float(sys.argv[3]) > 0:
    text = text.replace("training:\n", f"training:\n  distill_weight: {sys.argv[3]}\n", 1)
open(sys.argv[2], "w").write(text)
PYEOF
}
config "$OUT/a.yaml" 0
config "$OUT/b.yaml" 1

echo "== fine-tunes ($STEPS steps each, side by side)"
run() {  # $1: name, $2: manifest
  $BIN train --config "$OUT/$1.yaml" --labels "$2" --init-from data/models/small/native --max-steps "$STEPS" \
    --output-dir "$OUT/run-$1" >"$OUT/train-$1.log" 2>&1
  $BIN export --checkpoint "$OUT/run-$1/last" --backend native -o "$OUT/pkg-$1" -q
}
run a "$OUT/prep/manifest-labelled.csv" &
run b "$OUT/prep/manifest.csv" &
wait

echo "== probes"
for p in data/models/small/native "$OUT/pkg-a/native" "$OUT/pkg-b/native"; do
  $PY bench/speech-span.py --corpus "$CORPUS" --package "$p" --json-out "$OUT/probes-$(basename "$(dirname "$p")").json"
done
