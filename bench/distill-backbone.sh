#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Does the shipped backbone model, as a teacher, make `small` hear better?
# (docs/training.md, "The backbone model as teacher"). Fine-tunes of the shipped small on
# the same clips, steps and seed:
#   a: labels only;
#   b: labels plus distillation toward the teacher's scores on the same clips;
#   c: b plus unlabelled real speech (real-dev's fit half and a third of fsdd: no probe
#      speaker) with the teacher's scores, and a TTS twin of each transcribed real clip
#      carrying the real clip's scores (bench/tts-twins.py).
# The teacher (a model package, scored by the native engine) hears each clip as written;
# the student hears it through the augmentation chain. LABELS' train rows should be
# clips the teacher did not train on. Each package is then judged by `inherent eval` on
# EVAL_LABELS' test split and by bench/speech-span.py on PROBE_CORPUS, beside small.
#
#   [STEPS=4000] [VARIANTS="a b c"] [TEACHER=data/models/backbone/native] [EVAL_CLIPS=1000]
#   [PROBE_CORPUS=CORPUS] bench/distill-backbone.sh LABELS EVAL_LABELS [OUT=out/distill-backbone]
#
# EVAL_LABELS' first EVAL_CLIPS eval rows are the fine-tunes' end-of-run eval.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '/^#   \[STEPS/,/^# EVAL_LABELS/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
LABELS=$1
EVAL_LABELS=$2
OUT=${3:-out/distill-backbone}
STEPS=${STEPS:-4000}
VARIANTS=${VARIANTS:-a b c}
TEACHER=${TEACHER:-data/models/backbone/native}
EVAL_CLIPS=${EVAL_CLIPS:-1000}
PROBE_CORPUS=${PROBE_CORPUS:-$(dirname "$LABELS")}
BIN=build/dev/tools/inherent/inherent
PY=.venv/bin/python
for v in $VARIANTS; do
  case $v in a | b | c) ;; *) echo "distill-backbone: VARIANTS holds $v; the variants are a, b and c" >&2; exit 2 ;; esac
done
for f in "$LABELS" "$EVAL_LABELS" "$TEACHER/inherent.metadata.json"; do
  [ -f "$f" ] || { echo "distill-backbone: $f: no such file" >&2; exit 1; }
done
mkdir -p "$OUT"

echo "== train rows of $LABELS and $EVAL_CLIPS eval rows of $EVAL_LABELS, by absolute path"
$PY - "$LABELS" "$EVAL_LABELS" "$EVAL_CLIPS" "$OUT/base.csv" <<'PYEOF'
import csv, os, sys
from pathlib import Path
labels, eval_labels, n_eval, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def rows(path, split, limit=None):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        got = [x for x in r if x["split"] == split][:limit]
    for x in got:
        x["audio_path"] = str((Path(path).parent / x["audio_path"]).resolve())
    return r.fieldnames, got
header, train = rows(labels, "train")
_, evals = rows(eval_labels, "eval", n_eval)
with open(out + ".tmp", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
    w.writeheader()
    w.writerows(train + evals)
os.replace(out + ".tmp", out)
print(f"{len(train)} train rows, {len(evals)} eval rows")
PYEOF

echo "== real audio without labels (no probe speaker)"
$PY -c 'import sys; sys.path.insert(0, "src/backbone"); import real_speech
print("\n".join(real_speech.distillation_audio()))' >"$OUT/real-fit.txt"

echo "== teacher scores ($TEACHER)"
[ -f "$OUT/taught.csv" ] || $PY src/backbone/teacher.py "$OUT/base.csv" "$OUT/taught.csv" --package "$TEACHER" \
  --splits train --audio-list "$OUT/real-fit.txt" --threads "$(nproc)"
$PY bench/tts-twins.py "$OUT/taught.csv" "$OUT/taught-twins.csv" "$OUT/twins" --cli "$BIN"

echo "== mel cache"
$BIN prep --labels "$OUT/taught-twins.csv" --out "$OUT/prep" -q
# a and b read the corpus rows only; c every row.
$PY - "$OUT/prep/manifest.csv" "$OUT/prep/manifest-corpus.csv" <<'PYEOF'
import csv, sys
with open(sys.argv[1], newline="") as f:
    r = csv.DictReader(f)
    rows = [x for x in r if x["isInteresting"] != ""]
    header = r.fieldnames
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=header)
    w.writeheader()
    w.writerows(rows)
print(f"{len(rows)} labelled rows")
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
cp "$OUT/b.yaml" "$OUT/c.yaml"

echo "== fine-tunes ($STEPS steps each, two at a time)"
run() {  # $1: variant
  local manifest=$OUT/prep/manifest-corpus.csv
  [ "$1" = c ] && manifest=$OUT/prep/manifest.csv
  [ -f "$OUT/pkg-$1/native/model.safetensors" ] && return
  local start=(--init-from data/models/small/native)
  [ -d "$OUT/run-$1/last" ] && start=(--resume)  # a killed run goes on from its last checkpoint
  $BIN train --config "$OUT/$1.yaml" --labels "$manifest" "${start[@]}" --max-steps "$STEPS" \
    --output-dir "$OUT/run-$1" >>"$OUT/train-$1.log" 2>&1
  $BIN export --checkpoint "$OUT/run-$1/last" --thresholds data/models/small/thresholds.json --backend native \
    -o "$OUT/pkg-$1" -q
}
set -- $VARIANTS
while [ $# -gt 0 ]; do
  run "$1" &
  if [ $# -gt 1 ]; then run "$2" & shift; fi
  wait
  shift
done

echo "== probes"
for p in data/models/small/native $(for v in $VARIANTS; do echo "$OUT/pkg-$v/native"; done); do
  name=$(basename "$(dirname "$p")")
  [ -f "$OUT/eval-$name.json" ] || $BIN eval --artifact "$p" --manifest "$EVAL_LABELS" --split test \
    --threads "$(nproc)" -q --json-out "$OUT/eval-$name.json" || true  # exit 1: a release gate missed
  [ -f "$OUT/probes-$name.json" ] || $PY bench/speech-span.py --corpus "$PROBE_CORPUS" --package "$p" \
    --json-out "$OUT/probes-$name.json" | tail -4
done
$PY - "$OUT" $VARIANTS <<'PYEOF'
import json, sys
out, variants = sys.argv[1], sys.argv[2:]
print("| small | test gate AUC / EER | intent mean / min | worst FPR@95 | gates |")
print("|---|---|---|---|---|")
for name in ["small"] + [f"pkg-{v}" for v in variants]:
    e = json.load(open(f"{out}/eval-{name}.json"))
    g = {x["name"]: x["value"] for x in e["gates"]}
    print(f"| {name} | {g['gate_auc']:.3f} / {g['gate_eer']:.3f} | {g['intent_mean_auc']:.3f} / "
          f"{g['intent_min_auc']:.3f} | {g['intent_fpr95']:.3f} | {e['gates_passed']} of 5 |")
PYEOF
