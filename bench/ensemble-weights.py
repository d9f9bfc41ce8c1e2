#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What averaging two models would give, before building the ensemble: the per-clip
scores of each (`inherent eval --scores-out`, the same labels and split) averaged in
logits with weight w on the second, and the test metrics of every w.

    inherent eval --artifact A --manifest L --split test --scores-out a.csv
    inherent eval --artifact B --manifest L --split test --scores-out b.csv
    bench/ensemble-weights.py a.csv b.csv [--weights 0 0.3 0.5 0.6 1]

Measured on a test split, the table chooses nothing: pick the weight beforehand (or on
the eval split) and report the test row.
"""
import argparse
import csv
import importlib.util
import sys
from pathlib import Path

import numpy as np

spec = importlib.util.spec_from_file_location("designs_bench", Path(__file__).with_name("backbone-designs.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def read_scores(path):
    """(audio paths, scores [n, 13], labels [n, 13]) of a --scores-out CSV."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{path}: no rows")
    heads = [k[len("score_"):] for k in rows[0] if k.startswith("score_")]
    scores = np.array([[float(r["score_" + h]) for h in heads] for r in rows])
    labels = np.array([[int(r[h]) for h in heads] for r in rows])
    return [r["audio_path"] for r in rows], scores, labels


def logit(p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--weights", nargs="+", type=float, default=[0, 0.3, 0.5, 0.6, 1])
    args = ap.parse_args()
    paths_a, a, y = read_scores(args.first)
    paths_b, b, y_b = read_scores(args.second)
    if paths_a != paths_b or not (y == y_b).all():
        sys.exit("the two files do not score the same clips with the same labels")
    print(f"{len(y)} clips; w = weight of {args.second}\n")
    print("| w | gate AUC | intent mean / min AUC |")
    print("|---|---|---|")
    for w in args.weights:
        m = bench.head_metrics(y, 1 / (1 + np.exp(-(w * logit(b) + (1 - w) * logit(a)))))
        print(f"| {w:g} | {m['gate_auc']:.3f} | {m['intent_mean_auc']:.3f} / {m['intent_min_auc']:.3f} |")


if __name__ == "__main__":
    main()
