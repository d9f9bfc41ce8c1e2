#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Does unlabelled real speech, scored by the backbone teacher, carry real voices into
# `small`? (docs/training.md, "Unlabelled real speech"). Two fine-tunes of the shipped
# small on the same corpus, same steps and seed: (a) no distillation; (b) distillation
# toward the teacher's scores on real recordings without labels (real-dev's fit half and
# a third of fsdd: no probe speaker), added as unlabelled rows; (c) the same plus a
# TTS twin of each transcribed real clip (espeak-ng train voices) carrying the real
# clip's teacher scores, so the same words get the same target whoever speaks them.
# Each package is then judged by bench/speech-span.py on the same probes as the shipped
# model, and by bench/backbone-designs.py --designs none (real vs TTS renderings of the
# probe sentences; the teacher's feature cache makes it quick).
#
#   [STEPS=1000] [VARIANTS="a b c"] [PROBE_CORPUS=CORPUS] bench/distill-real.sh [CORPUS] [TEACHER_HEADS] [OUT]
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
VARIANTS=${VARIANTS:-a b c}  # which fine-tunes to run (and probe)
# The probes' corpus: one with the same eval and test clips (e.g. the corpus without the
# piper voice, whose clips the teacher's feature cache already holds).
PROBE_CORPUS=${PROBE_CORPUS:-$CORPUS}
BIN=build/dev/tools/inherent/inherent
PY=.venv/bin/python
. bench/distill-lib.sh
# shellcheck disable=SC2086
check_variants distill-real abc $VARIANTS
mkdir -p "$OUT"

echo "== real audio without labels (no probe speaker)"
$PY -c 'import sys; sys.path.insert(0, "src/backbone"); import real_speech
print("\n".join(real_speech.distillation_audio()))' >"$OUT/real-fit.txt"
wc -l <"$OUT/real-fit.txt"

echo "== teacher scores on them"
[ -f "$OUT/taught.csv" ] || $PY src/backbone/teacher.py "$CORPUS/labels.csv" "$OUT/taught.csv" --heads "$HEADS" \
  --trim --splits none --audio-list "$OUT/real-fit.txt" --cache "$(dirname "$HEADS")/features"

echo "== TTS twins of the transcribed real clips"
$PY bench/tts-twins.py "$OUT/taught.csv" "$OUT/taught-twins.csv" "$OUT/twins" --cli "$BIN"

echo "== mel cache"
$BIN prep --labels "$OUT/taught.csv" --out "$OUT/prep" -q
$BIN prep --labels "$OUT/taught-twins.csv" --out "$OUT/prep-twins" -q
# (a) reads the labelled rows only.
labelled_rows "$OUT/prep/manifest.csv" "$OUT/prep/manifest-labelled.csv"
finetune_config "$OUT/a.yaml" 0
finetune_config "$OUT/b.yaml" 1
cp "$OUT/b.yaml" "$OUT/c.yaml"

echo "== fine-tunes ($STEPS steps each, two at a time)"
manifest() {  # the rows each variant reads
  case $1 in a) echo "$OUT/prep/manifest-labelled.csv" ;; b) echo "$OUT/prep/manifest.csv" ;;
    c) echo "$OUT/prep-twins/manifest.csv" ;; esac
}
# shellcheck disable=SC2086
two_at_a_time manifest $VARIANTS

echo "== probes"
for p in data/models/small/native $(for v in $VARIANTS; do echo "$OUT/pkg-$v/native"; done); do
  name=$(basename "$(dirname "$p")")
  $PY bench/speech-span.py --corpus "$PROBE_CORPUS" --package "$p" --json-out "$OUT/probes-$name.json"
  $PY bench/backbone-designs.py --corpus "$PROBE_CORPUS" --train 12000 --probe 800 --designs none --trim \
    --out "$(dirname "$HEADS")" --small "$p" --results "$OUT/designs-$name.json" | tail -1
done
