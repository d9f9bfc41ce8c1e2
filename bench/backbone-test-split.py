#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The backbone model against `small` on a whole test split, the five release gates
each, on the very same clips (docs/backbone.md, "On the default corpus's test split").

    src/backbone/teacher.py out/corpus-100k/labels.csv out/d1-test/taught.csv \\
        --heads out/backbone-trim/D1-pooled.pt --trim --splits test     # the backbone's scores
    bench/backbone-test-split.py out/d1-test/taught.csv [--package data/models/small/native]

The first command scores the test rows with a backbone head design (its teacher_<head>
columns); this one scores the same rows' audio with the package in the native engine,
on every frame and on the speech span, and prints one markdown row per model and scoring:
gate AUC, gate EER, intent mean and min AUC, and the worst intent's false-positive rate
at 95 % recall (every intent AUC over all the split's clips, as `inherent eval` counts
them). --json-out writes the numbers.
"""
import argparse
import csv
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench", REPO / "bench" / "backbone-designs.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

import inherent  # noqa: E402

HEADS = bench.HEADS


def fpr_at_recall(y, s, recall=0.95):
    """False-positive rate at the highest threshold that keeps `recall` of the positives."""
    thr = np.quantile(s[y == 1], 1 - recall)
    return float((s[y == 0] >= thr).mean())


def gates(labels, scores):
    m = bench.head_metrics(labels, scores)
    fpr = [fpr_at_recall(labels[:, h], scores[:, h]) for h in range(1, len(HEADS)) if 0 < labels[:, h].sum()]
    return {"gate_auc": m["gate_auc"], "gate_eer": bench.eer(labels[:, 0], scores[:, 0]),
            "intent_mean_auc": m["intent_mean_auc"], "intent_min_auc": m["intent_min_auc"],
            "intent_fpr95_worst": max(fpr)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("taught", help="labels CSV with teacher_<head> columns on the test rows (src/backbone/teacher.py)")
    ap.add_argument("--package", default="data/models/small/native")
    ap.add_argument("--split", default="test")
    ap.add_argument("--json-out")
    args = ap.parse_args()
    folder = Path(args.taught).parent
    with open(args.taught, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == args.split and r.get("teacher_" + HEADS[0])]
    if not rows:
        sys.exit(f"{args.taught}: no {args.split} rows with teacher scores")
    labels = np.array([[int(r[h]) for h in HEADS] for r in rows])
    results = {"clips": len(rows), "backbone": gates(labels, np.array([[float(r["teacher_" + h]) for h in HEADS]
                                                                         for r in rows]))}
    audio = [inherent.load_audio(str(folder / r["audio_path"])) for r in rows]
    for trim in (False, True):
        engine = inherent.Engine(args.package, trim_to_speech=trim)
        scores = np.array([engine.score_audio(a) for a in audio])
        results["small " + ("speech span" if trim else "every frame")] = gates(labels, scores)
    print(f"{len(rows)} {args.split} clips of {args.taught}\n")
    print("| model | gate AUC | gate EER | intent mean AUC | intent min AUC | worst intent FPR at 95 % recall |")
    print("|---|---|---|---|---|---|")
    for name, g in results.items():
        if name != "clips":
            print(f"| {name} | {g['gate_auc']:.3f} | {g['gate_eer']:.3f} | {g['intent_mean_auc']:.3f} | "
                  f"{g['intent_min_auc']:.3f} | {g['intent_fpr95_worst']:.3f} |")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    sys.exit(main())
