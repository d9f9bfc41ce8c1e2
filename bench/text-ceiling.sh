#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# What the grammar's own text allows: the text-only classifier of the two-pass baseline
# (word n-grams, logistic regression per head; docs/baseline.md) fitted on TRAIN_N
# sentences of the train split and scored on TEST_N sentences of the test split from
# their exact words, with the release gates of src/eval. A speech model hears no more than
# the words of these synthetic clips (the voices carry no label), so where this lexical
# model fails a gate, the grammar's held-out templates are the harder half of the task.
#
#   bench/text-ceiling.sh OUT_DIR [TRAIN_N] [TEST_N] [SEED]     (80000 10000 7)
#
# The binary is $INHERENT, default build/dev/tools/inherent/inherent.
set -eu
if [ $# -lt 1 ]; then
  sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
out=$1 ntrain=${2:-80000} ntest=${3:-10000} seed=${4:-7}
bin=${INHERENT:-build/dev/tools/inherent/inherent}
mkdir -p "$out"
"$bin" text --format labels --split train -n "$ntrain" --max-repeats 3 --seed "$seed" -o "$out/train.csv"
"$bin" text --format labels --split test -n "$ntest" --max-repeats 3 --seed "$seed" -o "$out/test.csv"
"$bin" baseline train -q --labels "$out/train.csv" --out "$out/text-classifier.safetensors"
"$bin" baseline score --model "$out/text-classifier.safetensors" --labels "$out/test.csv" --split test --text \
  --jsonl-out "$out/test.jsonl" --metrics-out "$out/metrics.json" | sed -n '/^baseline/,$p'
echo "text-ceiling: results in $out (metrics.json, test.jsonl)"
