#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The two-pass baseline on held-out clips (docs/baseline.md): fits the text classifier
# on the train rows of TRAIN.csv, then scores the eval and test rows of HELDOUT.csv twice
# - from their transcript column (text-only: a perfect ASR) and through pocketsphinx
# (two-pass) - with the metrics of src/eval and the ASR's timing in JSON.
#
#   bench/two-pass.sh TRAIN.csv HELDOUT.csv OUT_DIR [THREADS] [LIMIT]
#
# TRAIN.csv and HELDOUT.csv may be the same labels CSV. THREADS: pocketsphinx decoders
# (default 1; timings per clip are cleanest with 1). LIMIT: at most this many held-out
# clips (default: all; pocketsphinx needs about 0.3-0.4 s of CPU per second of audio).
# The binary is $INHERENT, default build/dev/tools/inherent/inherent.
set -eu
if [ $# -lt 3 ]; then
  sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
train=$1 heldout=$2 out=$3 threads=${4:-1} limit=${5:-0}
bin=${INHERENT:-build/dev/tools/inherent/inherent}
mkdir -p "$out"
"$bin" baseline train --labels "$train" --out "$out/text-classifier.safetensors" | tee "$out/train.txt"
"$bin" baseline score --model "$out/text-classifier.safetensors" --labels "$heldout" --split eval,test \
  --limit "$limit" --text --jsonl-out "$out/text.jsonl" --metrics-out "$out/text-metrics.json" \
  | sed -n '/^baseline/,$p' | tee "$out/text.txt"
"$bin" baseline score --model "$out/text-classifier.safetensors" --labels "$heldout" --split eval,test \
  --limit "$limit" -j "$threads" --jsonl-out "$out/asr.jsonl" --metrics-out "$out/asr-metrics.json" \
  | sed -n '/^baseline/,$p' | tee "$out/asr.txt"
echo "two-pass: results in $out (text-metrics.json, asr-metrics.json, text.jsonl, asr.jsonl)"
