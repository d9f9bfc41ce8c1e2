#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The last screen of `make demo`: each example clip with what was said, its labelled
heads, and the heads that fired (with their scores) for every model given.

    demo-listing.py LABELS.csv NAME=SCORES.jsonl [NAME=SCORES.jsonl ...]

SCORES.jsonl is `inherent score --json` output for the clips of LABELS.csv.
"""
import csv
import json
import os
import sys


def load_scores(path):
    by_name = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: not JSON ({e})")
            by_name[os.path.basename(row["path"])] = row
    return by_name


def fired_text(row):
    if row is None:
        return "(not scored)"
    if "error" in row:
        return f"error: {row['error']}"
    if not row["fired"]:
        return "nothing fires"
    return "  ".join(f"{h} {row['scores'][h]:.2f}" for h in row["fired"])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    labels = sys.argv[1]
    models = []
    for arg in sys.argv[2:]:
        name, _, path = arg.partition("=")
        models.append((name, load_scores(path)))
    with open(labels, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        heads = reader.fieldnames[reader.fieldnames.index("isInteresting"):]
        rows = list(reader)
    width = max(len(name) for name, _ in models + [("labelled", None)])
    for r in rows:
        clip = os.path.basename(r["audio_path"])
        truth = [h for h in heads if r[h] == "1"]
        print(f"{clip}  \"{r['transcript']}\"")
        print(f"  {'labelled':<{width}}  {'  '.join(truth) if truth else 'not addressed: nothing should fire'}")
        for name, scores in models:
            print(f"  {name:<{width}}  {fired_text(scores.get(clip))}")
        print()


if __name__ == "__main__":
    main()
