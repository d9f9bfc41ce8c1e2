# SPDX-License-Identifier: Apache-2.0
# What the distillation benches share (sourced by bench/distill-real.sh and
# bench/distill-backbone.sh): the fine-tune config, the labelled rows of a manifest, and
# fine-tunes of the shipped `small` two at a time. Needs PY, BIN, OUT and STEPS set.

# finetune_config FILE WEIGHT [FEATURES [AUX_LR_SCALE]]: the demo's fine-tune of small at
# lr LR (default 1e-4), with training.distill_weight WEIGHT when it is above 0,
# training.feature_distill_weight FEATURES when given and above 0,
# training.aux_lr_scale AUX_LR_SCALE when given, and data.freq_warp FREQ_WARP when set.
finetune_config() {
  "$PY" - data/models/small/finetune.yaml "$1" "$2" "${LR:-1e-4}" "${FREQ_WARP:-0}" "${3:-0}" "${4:-1}" <<'PYEOF'
import re, sys
text = re.sub(r"(?m)^  lr: .*$", f"  lr: {sys.argv[4]}", open(sys.argv[1]).read())
if float(sys.argv[7]) != 1:
    text = text.replace("training:\n", f"training:\n  aux_lr_scale: {sys.argv[7]}\n", 1)
if float(sys.argv[6]) > 0:
    text = text.replace("training:\n", f"training:\n  feature_distill_weight: {sys.argv[6]}\n", 1)
if float(sys.argv[3]) > 0:
    text = text.replace("training:\n", f"training:\n  distill_weight: {sys.argv[3]}\n", 1)
if float(sys.argv[5]) > 0:
    text = text.replace("training:\n", f"data:\n  freq_warp: {sys.argv[5]}\ntraining:\n", 1)
open(sys.argv[2], "w").write(text)
PYEOF
}

# labelled_rows MANIFEST OUT: the rows of MANIFEST that carry labels (not the unlabelled ones).
labelled_rows() {
  "$PY" - "$1" "$2" <<'PYEOF'
import csv, os, sys
with open(sys.argv[1], newline="") as f:
    r = csv.DictReader(f)
    rows = [x for x in r if x["isInteresting"] != ""]
    header = r.fieldnames
with open(sys.argv[2] + ".tmp", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=header)
    w.writeheader()
    w.writerows(rows)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
print(f"{len(rows)} labelled rows")
PYEOF
}

# finetune NAME MANIFEST: OUT/NAME.yaml for STEPS steps from the shipped small, one
# thread, resumed when killed; exported as OUT/pkg-NAME/native with small's thresholds.
finetune() {
  [ -f "$OUT/pkg-$1/native/model.safetensors" ] && return
  local start=(--init-from data/models/small/native)
  [ -d "$OUT/run-$1/last" ] && start=(--resume)
  "$BIN" train --config "$OUT/$1.yaml" --labels "$2" "${start[@]}" --max-steps "$STEPS" \
    --output-dir "$OUT/run-$1" >>"$OUT/train-$1.log" 2>&1
  "$BIN" export --checkpoint "$OUT/run-$1/last" --thresholds data/models/small/thresholds.json --backend native \
    -o "$OUT/pkg-$1" -q
}

# two_at_a_time MANIFEST_FN NAME...: finetune each NAME (on the manifest MANIFEST_FN NAME
# prints), two at once on the two cores; a failed one stops the bench, naming its log.
two_at_a_time() {
  local manifest_of=$1
  shift
  while [ $# -gt 0 ]; do
    local names=("$1") pids=()
    [ $# -gt 1 ] && names+=("$2")
    for n in "${names[@]}"; do
      finetune "$n" "$("$manifest_of" "$n")" &
      pids+=($!)
    done
    for i in "${!pids[@]}"; do
      wait "${pids[$i]}" || { echo "distill: fine-tune ${names[$i]} failed ($OUT/train-${names[$i]}.log)" >&2; exit 1; }
    done
    shift "${#names[@]}"
  done
}

# check_variants BENCH ALLOWED VARIANT...: each VARIANT is one of ALLOWED (a word such as
# "abc"), else a usage error naming BENCH.
check_variants() {
  local bench=$1 allowed=$2 v
  shift 2
  for v in "$@"; do
    [[ ${#v} -eq 1 && $allowed == *"$v"* ]] || {
      echo "$bench: VARIANTS holds $v; the variants are $(echo "$allowed" | sed 's/./& /g; s/ $//')" >&2
      exit 2
    }
  done
}
