#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Teacher features for distillation: the frozen pretrained encoder (the project's
log-mel -> the fitted mapped stem -> Whisper tiny.en's blocks, features.Backbone) hears
each clip as written, and its outputs averaged over the clip's frames, one vector of
384 values, are written as a float32 `.npy` file per clip. The rows come back
with a `teacher_features` column holding that file's absolute path (docs/labels.md), which
`training.feature_distill_weight` trains `small`'s pooled encoder output toward through a
projection (docs/training.md, "Feature distillation").

    .venv/bin/python src/backbone/teacher_features.py LABELS OUT_CSV --dir FEATURES_DIR \\
        [--splits train] [--encoder E] [--stem S] [--threads 1]

The stem defaults to the shipped backbone model's (data/models/backbone/parts.safetensors);
the encoder is Whisper tiny.en's, converted by `make backbone`.

LABELS may be a labels CSV or a prep manifest (audio paths relative to its folder);
OUT_CSV should sit in the same folder so they still resolve. Rows of other splits keep an
empty cell. Files are named by a hash of the clip's absolute path and written to a
temporary name first, so a killed run resumes where it stopped; the CSV is written to a
temporary name and renamed at the end. FEATURES_DIR/teacher.json records the sha256 of
the encoder and stem that made its files, and a run with other weights is refused there
rather than reusing them. An unreadable clip stops the run naming its row.
"""
import argparse
import contextlib
import csv
import hashlib
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import features  # noqa: E402
import teacher  # noqa: E402

import inherent  # noqa: E402

COLUMN = "teacher_features"


def feature_path(folder, audio):
    return Path(folder) / (hashlib.sha256(str(audio).encode()).hexdigest()[:24] + ".npy")


def pooled(backbone, frontend, audio):
    """[384] float32: the encoder's outputs over the clip's frames, averaged."""
    mel = frontend.audio_to_mel(inherent.load_audio(str(audio)))
    with torch.no_grad():
        return backbone(torch.from_numpy(mel)[None])[0].mean(dim=0).numpy().astype("<f4")


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def claim_folder(folder, encoder, stem):
    """Records which weights the folder's files come from; exits when they were others."""
    want = {"encoder_sha256": sha256_of(encoder), "stem_sha256": sha256_of(stem)}
    record = folder / "teacher.json"
    if record.exists():
        have = json.loads(record.read_text(encoding="utf-8"))
        if {k: have.get(k) for k in want} != want:
            sys.exit(f"teacher_features: {record}: its features come from another encoder or stem; "
                     "pass another --dir")
        return
    tmp = record.with_name(record.name + ".tmp")
    tmp.write_text(json.dumps({**want, "encoder": str(encoder), "stem": str(stem)}, indent=2) + "\n",
                   encoding="utf-8")
    os.replace(tmp, record)


def write_atomic(path, vector):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.save(f, vector)
    os.replace(tmp, path)


_worker = {}


def init_worker(threads, encoder, stem):
    torch.set_num_threads(threads)
    _worker["backbone"] = features.Backbone(encoder, stem)
    _worker["frontend"] = inherent.AudioFrontend(max_frames=0)


def compute_one(job):
    """(row index, error text or None): one clip's vector written to its file."""
    audio, out, i = job
    try:
        write_atomic(out, pooled(_worker["backbone"], _worker["frontend"], audio))
        return i, None
    except Exception as e:  # noqa: BLE001 - the caller names the row and stops
        return i, str(e)


@contextlib.contextmanager
def worker_pool(jobs, threads, encoder, stem):
    """A map over clips in order: in this process with jobs 1, else in `jobs` processes
    (spawned: torch's threads do not survive a fork)."""
    if jobs <= 1:
        init_worker(threads, encoder, stem)
        yield lambda fn, items: map(fn, items)
        return
    with multiprocessing.get_context("spawn").Pool(jobs, init_worker, (threads, encoder, stem)) as pool:
        yield lambda fn, items: pool.imap(fn, items, chunksize=8)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("labels", help="labels CSV or prep manifest")
    ap.add_argument("out", help="the same rows with a teacher_features column")
    ap.add_argument("--dir", required=True, help="folder for the per-clip feature files")
    ap.add_argument("--splits", default="train", help="comma-separated splits to compute (default train)")
    ap.add_argument("--encoder", default="out/whisper-bridge/encoder.safetensors")
    ap.add_argument("--stem", default="data/models/backbone/parts.safetensors",
                    help="the mapped stem: a fitted stem file or a backbone parts file (default: the shipped "
                    "backbone model's)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="processes, each with its own encoder (default 1)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process (default 1)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)
    if args.jobs < 1 or args.threads < 1:
        ap.error("-j and --threads take 1 or more")

    for f, what in ((args.encoder, "--encoder"), (args.stem, "--stem")):
        if not Path(f).is_file():
            sys.exit(f"teacher_features: {what} {f}: no such file (docs/backbone.md, \"Weights\", makes it)")
    header, rows = teacher.read_rows(args.labels, "teacher_features", [COLUMN])
    splits = set(args.splits.split(","))
    base = Path(args.labels).resolve().parent
    folder = Path(args.dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    claim_folder(folder, args.encoder, args.stem)
    todo = [i for i, r in enumerate(rows) if r["split"] in splits]
    paths = {i: (base / rows[i]["audio_path"]).resolve() for i in todo}
    missing = [i for i in todo if not feature_path(folder, paths[i]).exists()]
    t0, done = time.time(), 0
    with worker_pool(args.jobs, args.threads, args.encoder, args.stem) as run:
        for done, (i, error) in enumerate(run(compute_one, [(paths[i], feature_path(folder, paths[i]), i)
                                                            for i in missing]), 1):
            if error:
                sys.exit(f"teacher_features: {args.labels}:{i + 2}: {rows[i]['audio_path']}: {error}")
            if not args.quiet and (done % 500 == 0 or done == len(missing)):
                rate = done / max(time.time() - t0, 1e-9)
                print(f"  {done}/{len(missing)} clips computed ({len(todo) - len(missing)} reused, {rate:.1f}/s, "
                      f"ETA {(len(missing) - done) / rate:.0f} s)", flush=True)
    for i in todo:
        rows[i][COLUMN] = str(feature_path(folder, paths[i]))

    tmp = Path(args.out).with_name(Path(args.out).name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header + [COLUMN], restval="")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, args.out)
    print(f"teacher_features: {len(todo)} rows with features -> {args.out}")


if __name__ == "__main__":
    main()
