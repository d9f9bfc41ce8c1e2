# SPDX-License-Identifier: Apache-2.0
"""scripts/drop-artifact.py: a file that fails its parity gate leaves the package with
its sidecar entry; the primary artifact never can."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "drop-artifact.py"


def package(tmp_path):
    folder = tmp_path / "litert"
    folder.mkdir()
    meta = {"precision": "float16", "artifacts": [
        {"file": "model_fp16.tflite", "precision": "float16"},
        {"file": "model_int16x8.tflite", "precision": "int16x8"},
        {"file": "model.tflite", "precision": "float32"}]}
    (folder / "inherent.metadata.json").write_text(json.dumps(meta, indent=2))
    for a in meta["artifacts"]:
        (folder / a["file"]).write_bytes(b"x")
    return folder


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True)


def test_a_dropped_file_leaves_the_folder_and_the_sidecar(tmp_path):
    folder = package(tmp_path)
    r = run(folder, "model_int16x8.tflite")
    assert r.returncode == 0, r.stderr
    meta = json.loads((folder / "inherent.metadata.json").read_text())
    assert [a["file"] for a in meta["artifacts"]] == ["model_fp16.tflite", "model.tflite"]
    assert not (folder / "model_int16x8.tflite").exists()
    assert not list(folder.glob("*.tmp"))


def test_the_primary_and_unknown_files_are_refused_by_name(tmp_path):
    folder = package(tmp_path)
    before = (folder / "inherent.metadata.json").read_text()
    r = run(folder, "model_fp16.tflite")
    assert r.returncode != 0 and "primary" in r.stderr
    r = run(folder, "model_int8.tflite")
    assert r.returncode != 0 and "no artifact named model_int8.tflite" in r.stderr
    assert (folder / "inherent.metadata.json").read_text() == before
    assert (folder / "model_fp16.tflite").exists()


def test_the_shipped_litert_folder_lists_exactly_its_files():
    folder = REPO / "data" / "models" / "small" / "litert"
    meta = json.loads((folder / "inherent.metadata.json").read_text())
    listed = {a["file"] for a in meta["artifacts"]}
    present = {p.name for p in folder.glob("*.tflite")}
    assert listed == present
    for a in meta["artifacts"]:
        data = (folder / a["file"]).read_bytes()
        assert len(data) == a["size_bytes"] and hashlib.sha256(data).hexdigest() == a["sha256"]
