#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Leaves one file out of an exported package folder: deletes the file and its entry in
the folder's inherent.metadata.json `artifacts` (the sidecar is rewritten atomically).
The primary artifact (the sidecar's own `precision`) cannot be dropped.

    scripts/drop-artifact.py FOLDER FILE
"""
import json
import os
import sys
from pathlib import Path


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: scripts/drop-artifact.py FOLDER FILE")
    folder, name = Path(argv[0]), argv[1]
    sidecar = folder / "inherent.metadata.json"
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    arts = meta.get("artifacts", [])
    entry = next((a for a in arts if a.get("file") == name), None)
    if entry is None:
        sys.exit(f"drop-artifact: {sidecar}: no artifact named {name}")
    if entry is arts[0] or entry.get("precision") == meta.get("precision"):
        sys.exit(f"drop-artifact: {sidecar}: {name} is the primary artifact; it cannot be left out")
    meta["artifacts"] = [a for a in arts if a is not entry]
    tmp = sidecar.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, sidecar)
    (folder / name).unlink(missing_ok=True)
    print(f"drop-artifact: {folder}/{name} left out ({len(meta['artifacts'])} artifacts remain)")


if __name__ == "__main__":
    main(sys.argv[1:])
