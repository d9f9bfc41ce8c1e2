# SPDX-License-Identifier: Apache-2.0
"""The LiteRT-LM package, built by litert-lm-builder and read back with its own
litert-lm-peek: the sections and their sizes, the metadata round trip, and the
embedded TFLite byte-identical to the LiteRT export of the same precision."""
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from export_helpers import export, metadata

PEEK = shutil.which("litert-lm-peek") or str(Path(sys.executable).parent / "litert-lm-peek")
if not Path(PEEK).is_file():
    pytest.skip("pip install litert-lm-builder (litert-lm-peek)", allow_module_level=True)


def peek(path, dump):
    r = subprocess.run([PEEK, "--litertlm_file", str(path), "--dump_files_dir", str(dump)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("quantization", ["float32", "float16"])
def test_litertlm_package_holds_the_litert_model_and_metadata(quantization, tmp_path):
    options = () if quantization == "float32" else ("--quantization", quantization)
    folder = export("tiny", "litertlm", *options)
    litert = export("tiny", "litert", *options)
    meta = metadata(folder)
    art = meta["artifacts"][0]
    package = folder / art["file"]
    assert hashlib.sha256(package.read_bytes()).hexdigest() == art["sha256"]
    text = peek(package, tmp_path)
    assert "Sections (2)" in text
    assert "Key: inherent.model_version, Value (String): " + meta["model_version"] in text
    assert "Key: backend_constraint, Value (String): cpu" in text
    # Section offsets and sizes as peek reports them.
    spans = [(int(b), int(e)) for b, e in re.findall(r"Begin Offset:\s+(\d+)\s+End Offset:\s+(\d+)", text)]
    assert len(spans) == 2
    sections = art["sections"]
    assert [e - b for b, e in spans] == [s["size_bytes"] for s in sections]
    # The embedded TFLite is the LiteRT export, byte for byte.
    tflite = next(tmp_path.glob("Section0_TFLiteModel*.tflite")).read_bytes()
    expected = (litert / sections[0]["file"]).read_bytes()
    assert tflite == expected
    assert hashlib.sha256(tflite).hexdigest() == sections[0]["sha256"] == metadata(litert)["artifacts"][0]["sha256"]
    # The metadata section round-trips and describes that TFLite model.
    inner = json.loads(next(tmp_path.glob("Section1_*")).read_bytes())
    for key in ("head_order", "threshold_keys", "default_thresholds", "frontend", "config", "model_version"):
        assert inner[key] == meta[key]
    assert inner["runtime_tensor_contract"] == metadata(litert)["artifacts"][0]["runtime_tensor_contract"]
    assert inner["artifacts"][0]["sha256"] == sections[0]["sha256"]
