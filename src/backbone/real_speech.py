# SPDX-License-Identifier: Apache-2.0
"""The real recordings the backbone work fits on and probes with, split by speaker.

`../shared/data/real-dev` (664 transcribed clips, about 460 speakers) is cut in two by a
hash of the speaker label: `probe` (about half) is never trained or fitted on; `fit`
may feed unlabelled-audio steps (a bridge, a teacher's targets). Clips without a
speaker label are split by file name. The other real corpora (fsdd, precise-community)
are `fit` only: the probes are real-dev's.
"""
import csv
import hashlib
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REAL_DEV = SHARED / "real-dev"


def part_of(key):
    """'probe' or 'fit', stable across machines (SHA-256 of the speaker label)."""
    return "probe" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "fit"


def real_dev_clips(part=None, root=REAL_DEV):
    """Rows of real-dev's manifest with `path` (absolute) and `part` added."""
    manifest = Path(root) / "manifest.csv"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest}: real-dev is not beside the repository (../shared/data)")
    rows = []
    with open(manifest, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            row["path"] = str(Path(root) / row["audio_path"])
            row["part"] = part_of(row["speaker"] or row["audio_path"])
            if part is None or row["part"] == part:
                rows.append(row)
    return rows


def other_real_audio(root=SHARED):
    """Paths of the unlabelled real speech outside real-dev (fsdd, precise-community)."""
    paths = []
    for name in ("fsdd", "precise-community"):
        paths += sorted(str(p) for p in (Path(root) / name).rglob("*.wav"))
    return paths


def distillation_audio(root=SHARED):
    """Unlabelled real speech a teacher may score for a student, with no probe speaker:
    real-dev's fit half and every third fsdd file (the real-word probe's precise-community
    speakers stay out)."""
    fit = [r["path"] for r in real_dev_clips("fit", Path(root) / "real-dev")]
    return fit + sorted(str(p) for p in (Path(root) / "fsdd").rglob("*.wav"))[::3]
