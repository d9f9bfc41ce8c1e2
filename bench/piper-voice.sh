#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Does the neural voice (engine piper, docs/synth.md) carry `small` closer to real voices?
# The same corpus twice: as is, and with piper speaking a fifth of the training clips
# (ENGINE_WEIGHTS ...,piper=0.25; eval and test clips are the same clips in both). Two
# fine-tunes of the shipped small, same steps, seed and learning rate (the demo's
# fine-tune at lr 1e-4): (a) on the corpus as is, (p) on the corpus with piper. Each
# package is judged by bench/speech-span.py on the same probes (test split, room-noise
# framing, a real word joined, real-dev's held-out real speakers and their TTS twins).
#
#   bench/piper-voice.sh [CORPUS] [OUT]
#
# STEPS (default 3000) sets the fine-tunes' length; SEED=N repeats them with another
# training seed into OUT/pkg-a-seedN and OUT/pkg-p-seedN (same corpus and mel caches).
# CORPUS is the default corpus's recipe without the neural voice:
#   CORPUS_CLIPS=15000 ENGINE_WEIGHTS=espeak=0.6,flite=0.25,festival=0.15 scripts/default-corpus.sh out/corpus-15k
# its piper copy is hard-linked beside it (CORPUS-piper) so only the clips that change are
# rendered.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-out/corpus-15k}
OUT=${2:-out/piper-voice}
STEPS=${STEPS:-3000}
SEED=${SEED:-}
TAG=${SEED:+-seed$SEED}
BIN=build/dev/tools/inherent/inherent
PY=.venv/bin/python
PIPER="$CORPUS-piper"
mkdir -p "$OUT"
[ -f "$CORPUS/labels.csv" ] || { echo "piper-voice: $CORPUS/labels.csv missing (see --help in this file)" >&2; exit 2; }
! grep -q ',synth:piper,' "$CORPUS/labels.csv" ||
  { echo "piper-voice: $CORPUS already holds piper clips (make it with ENGINE_WEIGHTS without piper)" >&2; exit 2; }
$BIN synth --list-voices | grep -q '^piper:joe' ||
  { echo "piper-voice: the piper voice is not available here (scripts/bootstrap.sh installs it)" >&2; exit 2; }

echo "== corpus with piper: $PIPER"
if [ ! -f "$PIPER/labels.csv" ]; then
  [ -d "$PIPER" ] || cp -al "$CORPUS" "$PIPER"
  rm -f "$PIPER/labels.csv"
  CORPUS_CLIPS=$(($(wc -l <"$CORPUS/labels.csv") - 1)) \
    ENGINE_WEIGHTS=espeak=0.6,flite=0.25,festival=0.15,piper=0.25 scripts/default-corpus.sh "$PIPER"
fi
$PY - "$CORPUS/labels.csv" "$PIPER/labels.csv" <<'PYEOF'
import csv, sys
from collections import Counter
a, b = ([r for r in csv.DictReader(open(p, newline=""))] for p in sys.argv[1:3])
for split in ("train", "eval", "test"):
    ra, rb = [r for r in a if r["split"] == split], [r for r in b if r["split"] == split]
    same = sum(x["audio_path"] == y["audio_path"] for x, y in zip(sorted(ra, key=lambda r: r["audio_path"]),
                                                                  sorted(rb, key=lambda r: r["audio_path"])))
    print(f"{split}: {len(rb)} clips, {Counter(r['source'] for r in rb)['synth:piper']} piper, "
          f"{same} identical to the corpus as is")
PYEOF

echo "== mel caches"
[ -f "$OUT/prep-a/manifest.csv" ] || $BIN prep --labels "$CORPUS/labels.csv" --out "$OUT/prep-a" -q
[ -f "$OUT/prep-p/manifest.csv" ] || $BIN prep --labels "$PIPER/labels.csv" --out "$OUT/prep-p" -q
$PY - data/models/small/finetune.yaml "$OUT/finetune$TAG.yaml" "$SEED" <<'PYEOF'
import re, sys
text = re.sub(r"(?m)^  lr: .*$", "  lr: 1e-4", open(sys.argv[1]).read())
if sys.argv[3]:
    text = text.replace("training:\n", f"training:\n  seed: {int(sys.argv[3])}\n", 1)
open(sys.argv[2], "w").write(text)
PYEOF

echo "== fine-tunes ($STEPS steps each, side by side)"
run() {  # $1: name
  [ -f "$OUT/pkg-$1$TAG/native/inherent.metadata.json" ] && return
  $BIN train --config "$OUT/finetune$TAG.yaml" --labels "$OUT/prep-$1/manifest.csv" \
    --init-from data/models/small/native --max-steps "$STEPS" --output-dir "$OUT/run-$1$TAG" >"$OUT/train-$1$TAG.log" 2>&1
  $BIN export --checkpoint "$OUT/run-$1$TAG/last" --backend native -o "$OUT/pkg-$1$TAG" -q
}
run a &
run p &
wait

echo "== probes"
for p in data/models/small/native "$OUT/pkg-a$TAG/native" "$OUT/pkg-p$TAG/native"; do
  name=$(basename "$(dirname "$p")")
  [ -f "$OUT/probes-$name.json" ] ||
    $PY bench/speech-span.py --corpus "$CORPUS" --package "$p" --json-out "$OUT/probes-$name.json"
done
