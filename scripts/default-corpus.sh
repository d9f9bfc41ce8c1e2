#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The default training corpus of the shipped model: 100,000 clips from the grammar
# (data/text) and the public text corpora in ../shared/data, spoken by every TTS voice
# (where the piper voice is installed, it speaks a fifth of the training clips:
# docs/training.md, "A neural voice"), plus real recorded voices (alone as gate-0 clips,
# and joined to 4% of the sentences of both gate classes) and recorded noise for mixing.
#   1. `inherent text import` each public corpus that is present into OUT/imports/
#   2. `inherent synth` the corpus into OUT/ (resumable: rerun to continue a killed run;
#      SYNTH_SHARD=I/N renders one shard, then a run without it writes labels.csv;
#      SYNTH_SPLITS=test renders only the test clips of the same corpus, e.g. to evaluate;
#      ENGINE_WEIGHTS=espeak=0.6,flite=0.25,festival=0.15 leaves the neural voice out)
# Absent corpora are skipped with a message; the grammar alone still gives a full corpus.
# Usage: scripts/default-corpus.sh [OUT]   (default out/corpus-100k; CORPUS_CLIPS sizes it)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/corpus-100k}
CLIPS=${CORPUS_CLIPS:-100000}
DATA=../shared/data
BIN=${INHERENT_CLI:-build/dev/tools/inherent/inherent}
if [ ! -x "$BIN" ]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev --target inherent-cli
fi
mkdir -p "$OUT/imports"

# source, folder under ../shared/data, share of every split
IMPORTS=(
  "clinc150 clinc150 0.06"
  "hwu64 hwu64 0.04"
  "slurp slurp-text 0.02"
  "snips snips-2017 0.02"
  "ha-intents ha-intents-en 0.01"
  "qmsum qmsum-meetings 0.06"
)
ARGS=()
for row in "${IMPORTS[@]}"; do
  read -r source folder share <<<"$row"
  csv="$OUT/imports/$source.csv"
  if [ ! -d "$DATA/$folder" ]; then
    echo "default-corpus: $DATA/$folder is absent: no $source sentences"
    continue
  fi
  [ -s "$csv" ] || "$BIN" text import --source "$source" --in "$DATA/$folder" -o "$csv"
  ARGS+=(--import "$csv:$share")
done
[ -d "$DATA/speech-commands-noise" ] && ARGS+=(--noise-dir "$DATA/speech-commands-noise")
[ -d "$DATA/precise-community" ] && ARGS+=(--real-dir "$DATA/precise-community" --real-mix 0.04)
[ -n "${SYNTH_SHARD:-}" ] && ARGS+=(--shard "$SYNTH_SHARD")
[ -n "${SYNTH_SPLITS:-}" ] && ARGS+=(--splits "$SYNTH_SPLITS")
if [ -z "${ENGINE_WEIGHTS:-}" ] && "$BIN" synth --list-voices 2>/dev/null | grep -q '^piper:joe'; then
  ENGINE_WEIGHTS=espeak=0.6,flite=0.25,festival=0.15,piper=0.25
fi
[ -n "${ENGINE_WEIGHTS:-}" ] && ARGS+=(--engine-weights "$ENGINE_WEIGHTS")

"$BIN" synth --out "$OUT" --clips "$CLIPS" --seed 7 -j "$(nproc)" "${ARGS[@]}"
