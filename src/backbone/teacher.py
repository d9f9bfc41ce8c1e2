#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Teacher scores for distillation: a model package in the native engine (the shipped
backbone model: --package data/models/backbone/native) or a backbone head design
(bench/backbone-designs.py) scores every clip of a labels CSV or prep manifest, and the
rows are written back with the 13 `teacher_<head>` columns (docs/labels.md) that
`training.distill_weight` trains toward (docs/training.md, "Distillation").

    .venv/bin/python src/backbone/teacher.py LABELS OUT_CSV \\
        (--package PKG | --heads out/backbone-designs/D1-pooled.pt [--design pooled] [--trim]) \\
        [--splits train] [--audio-dir DIR ...] [--audio-list FILE ...]

--audio-dir / --audio-list add recordings without labels: each file becomes an
unlabelled train row (every head cell empty, docs/labels.md) with the teacher's scores,
so a folder of a user's own audio teaches the student through distillation alone. Keep
probe speakers out of them. --trim lets a head design hear each clip's speech span (for
heads trained that way: bench/backbone-designs.py --trim); a package scores as its
metadata says (scoring.trim_to_speech).

The teacher hears each clip as written (the clean clip: the student's augmentation is
applied later, at training time). Rows of other splits are copied with empty teacher
cells. A head design's features are cached beside OUT_CSV (OUT_CSV.features/), a
package's scores too (OUT_CSV.scores.jsonl), so a killed run resumes; the CSV is
written to a temporary name and renamed at the end. An unreadable clip stops
the run naming its row.
"""
import argparse
import csv
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import designs  # noqa: E402
import features  # noqa: E402
import framing  # noqa: E402

import inherent  # noqa: E402

HEADS = list(inherent.HEAD_ORDER)
COLUMNS = ["teacher_" + h for h in HEADS]


def load_heads(path, design):
    """A design's weights; the feature width is read from them (384 for Whisper tiny.en)."""
    state = torch.load(path)
    dim = int(state["norm.weight"].shape[0])
    heads = designs.PooledHeads(dim=dim) if design == "pooled" else designs.CtcHeads(dim=dim)
    heads.load_state_dict(state)
    return heads.eval()


def read_rows(path, tool, new_columns):
    """(header, rows) of a labels CSV or manifest that the tool adds new_columns to; exits
    naming the file when it has no audio_path or split column, or one of new_columns."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    for col in ("audio_path", "split"):
        if col not in header:
            sys.exit(f"{tool}: {path}: no {col} column")
    clash = [c for c in new_columns if c in header]
    if clash:
        sys.exit(f"{tool}: {path}: already has {clash[0]} (write to a labels file without it)")
    return header, rows


def read_labels(path):
    """(header, rows) of a labels CSV that can take teacher columns; exits naming the file
    when it cannot."""
    return read_rows(path, "teacher", COLUMNS)


AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3"}


def unlabelled_rows(header, dirs, lists):
    """A labels row (every head cell empty, split train) per audio file under each folder
    and per line of each list file, by absolute path; exits naming a missing file."""
    paths = []
    for d in dirs:
        if not Path(d).is_dir():
            sys.exit(f"teacher: --audio-dir {d}: not a folder")
        paths += sorted(p for p in Path(d).rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    for lst in lists:
        for n, line in enumerate(Path(lst).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                p = Path(line.strip())
                p = p if p.is_absolute() else Path(lst).parent / p
                if not p.is_file():
                    sys.exit(f"teacher: {lst}:{n}: {line.strip()}: no such file")
                paths.append(p)
    rows = []
    for p in paths:
        r = {c: "" for c in header}
        r.update(audio_path=str(p.resolve()), source=p.parent.name, split="train")
        rows.append(r)
    return rows


def write_taught_labels(out, header, rows, scores):
    """The rows with teacher_<head> columns, written to a temporary name and renamed:
    scores maps a row's index to its 13 scores; other rows get empty cells."""
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header + COLUMNS, restval="")
        w.writeheader()
        for i, r in enumerate(rows):
            v = scores.get(i)
            w.writerow(r if v is None else {**r, **{c: f"{float(x):.6f}" for c, x in zip(COLUMNS, v)}})
    os.replace(tmp, out)


def design_teacher(args, out):
    """path -> 13 scores from a head design on cached Whisper features."""
    heads = load_heads(args.heads, args.design)
    cache = features.FeatureCache(features.Backbone(args.encoder, args.stem), args.cache or str(out) + ".features",
                                  inherent.AudioFrontend(max_frames=0))
    clip = framing.trim_to_speech if args.trim else (lambda x: x)

    def teach(path):
        feats = cache.get(("trim:" if args.trim else "") + "clip:" + str(path),
                          lambda: clip(inherent.load_audio(str(path))))
        with torch.no_grad():
            x = torch.from_numpy(feats.astype(np.float32))[None]
            mask = torch.ones(x.shape[:2], dtype=torch.bool)
            return torch.sigmoid(heads(x, mask)["logits"])[0].numpy()
    return teach


def package_teacher(args, out):
    """path -> 13 scores from a model package in the native engine (float32); one engine
    per calling thread, so clips can be scored in parallel. Each clip's scores are
    appended to OUT.scores.jsonl as they come, so a killed run resumes from there (a file
    of another package is started afresh)."""
    local, lock = threading.local(), threading.Lock()
    log_path = Path(str(out) + ".scores.jsonl")
    package = str(Path(args.package).resolve())
    done = {}
    if log_path.is_file():
        lines = log_path.read_text(encoding="utf-8").splitlines()
        if lines and json.loads(lines[0]).get("package") == package:
            for line in lines[1:]:
                try:
                    r = json.loads(line)
                except ValueError:  # the line a kill cut short
                    continue
                done[r["path"]] = np.asarray(r["scores"], dtype=np.float32)
    log = open(log_path, "a" if done else "w", encoding="utf-8")
    if not done:
        log.write(json.dumps({"package": package}) + "\n")

    def teach(path):
        if str(path) in done:
            return done[str(path)]
        if not hasattr(local, "engine"):
            local.engine = inherent.Engine(args.package)
        v = np.asarray(local.engine.score_file(str(path)), dtype=np.float32)
        with lock:
            log.write(json.dumps({"path": str(path), "scores": [float(x) for x in v]}) + "\n")
            log.flush()
        return v
    teach.close = log.close
    return teach


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("labels", help="labels CSV or prep manifest (audio_path relative to its folder)")
    ap.add_argument("out", help="the same rows with teacher_<head> columns")
    teacher = ap.add_mutually_exclusive_group(required=True)
    teacher.add_argument("--package", help="a model package the native engine scores with (e.g. the assembled "
                         "data/models/backbone/native)")
    teacher.add_argument("--heads", help="a design's weights (bench/backbone-designs.py writes them)")
    ap.add_argument("--design", default="pooled", choices=["pooled", "ctc"])
    ap.add_argument("--encoder", default="out/whisper-bridge/encoder.safetensors")
    ap.add_argument("--stem", default="out/whisper-bridge/mapped-stem.safetensors")
    ap.add_argument("--splits", default="train", help="comma-separated splits to score (none: only the "
                    "--audio-dir / --audio-list rows)")
    ap.add_argument("--cache", help="feature cache folder (default OUT.features; bench/backbone-designs.py's "
                    "OUT/features reuses its clips when LABELS is named the same way)")
    ap.add_argument("--audio-dir", action="append", default=[], metavar="DIR",
                    help="add every audio file under DIR as an unlabelled train row (repeatable)")
    ap.add_argument("--audio-list", action="append", default=[], metavar="FILE",
                    help="add the audio files listed in FILE (one path per line, relative to FILE) "
                    "as unlabelled train rows (repeatable)")
    ap.add_argument("--trim", action="store_true", help="a head design hears each clip's speech span (a package "
                    "follows its metadata)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    labels, out = Path(args.labels), Path(args.out)
    header, rows = read_labels(labels)
    if labels.parent.resolve() != out.parent.resolve():
        # Relative audio paths resolve against the labels file's folder: keep them pointing
        # at the same files from OUT_CSV's.
        for r in rows:
            if not Path(r["audio_path"]).is_absolute():
                r["audio_path"] = os.path.relpath(labels.parent / r["audio_path"], out.parent)
    extra = unlabelled_rows(header, args.audio_dir, args.audio_list)
    if extra and "mel_path" in header:
        sys.exit(f"teacher: {labels} is a prep manifest: add unlabelled audio to a labels CSV, then prep the output")
    rows += extra
    if args.package and args.trim:
        ap.error("--trim is for --heads: a package scores as its metadata says")
    splits = set(args.splits.split(","))
    teach = package_teacher(args, out) if args.package else design_teacher(args, out)
    todo = [i for i, r in enumerate(rows) if r["split"] in splits or i >= len(rows) - len(extra)]

    def teach_row(i):
        path = Path(os.path.normpath(out.parent / rows[i]["audio_path"]))
        try:
            return teach(path)
        except Exception as e:  # noqa: BLE001  (name the row, then stop)
            sys.exit(f"teacher: {labels}: row {i + 1} (line {i + 2}): {path}: {e}")

    # A package scores clips on --threads engines at once; a design's torch uses the threads itself.
    scores = {}
    t0 = time.time()
    pool = ThreadPoolExecutor(args.threads if args.package else 1)
    try:
        for n, (i, v) in enumerate(zip(todo, pool.map(teach_row, todo))):
            scores[i] = v
            if (n + 1) % 200 == 0 or n + 1 == len(todo):
                rate = (n + 1) / max(time.time() - t0, 1e-9)
                print(f"teacher: {n + 1}/{len(todo)} clips ({rate:.1f}/s, ETA {(len(todo) - n - 1) / rate:.0f} s)",
                      file=sys.stderr, flush=True)
    finally:  # a row that stops the run leaves the rest unscored
        pool.shutdown(cancel_futures=True)
        if hasattr(teach, "close"):
            teach.close()
    write_taught_labels(out, header, rows, scores)
    print(f"teacher: {out}: {len(todo)} of {len(rows)} rows scored ({', '.join(sorted(splits))}), "
          f"{len(extra)} of them unlabelled audio")


if __name__ == "__main__":
    main()
