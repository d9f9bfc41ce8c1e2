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


def test_litertlm_holds_the_whisper_family(tmp_path):
    """The whisper family's LiteRT-LM package embeds its float16 LiteRT model byte for
    byte, and that model runs in ai-edge-litert within the parity gates of the float64
    reference (tests/data/whisper-family)."""
    import numpy as np

    from export_helpers import REPO, _TMP, cli, tool_env

    litert = pytest.importorskip("ai_edge_litert.interpreter", reason="pip install ai-edge-litert")
    data = REPO / "tests" / "data" / "whisper-family"
    out = _TMP / "whisper-family-litertlm"
    subprocess.run([str(cli()), "export", "--weights", str(data / "weights.safetensors"), "--output-dir", str(out),
                    "--backend", "litertlm", "--backend", "litert", "--quantization", "float16", "-q"], check=True,
                   env=tool_env())
    meta = metadata(out / "litertlm")
    assert meta["config"]["family"] == "whisper"
    peek(out / "litertlm" / "model.litertlm", tmp_path)
    tflite = next(tmp_path.glob("Section0_TFLiteModel*.tflite"))
    assert tflite.read_bytes() == (out / "litert" / "model_fp16.tflite").read_bytes()
    lengths = json.loads((data / "lengths.json").read_text())
    want = 1 / (1 + np.exp(-np.load(data / "expected.npy").astype(np.float64)))
    it = litert.Interpreter(model_path=str(tflite), num_threads=1)
    inp, res = it.get_input_details()[0], it.get_output_details()[0]
    got = []
    for n in lengths:
        mel = np.load(data / f"mel-{n}.npy")[None]
        it.resize_tensor_input(inp["index"], list(mel.shape))
        it.allocate_tensors()
        it.set_tensor(inp["index"], mel.astype(np.float32))
        it.invoke()
        got.append(it.get_tensor(res["index"])[0].copy())
    d = np.abs(np.stack(got) - want)
    assert d.max() <= 5e-3 and d.mean() <= 5e-4, (d.max(), d.mean())


def test_litertlm_holds_an_ensemble(tmp_path):
    """An ensemble's LiteRT-LM package embeds its float16 LiteRT model (both members'
    graphs on one input) byte for byte, with the ensemble's config in the sidecar."""
    from export_helpers import REPO, _TMP, cli, tool_env, weights_file

    data = REPO / "tests" / "data" / "whisper-family"
    out = _TMP / "ensemble-litertlm"
    subprocess.run([str(cli()), "export", "--ensemble", f"{data / 'weights.safetensors'}:0.25", "--ensemble",
                    f"{weights_file('tiny')}:0.75", "--output-dir", str(out), "--backend", "litertlm",
                    "--backend", "litert", "--quantization", "float16", "-q"], check=True, env=tool_env())
    meta = metadata(out / "litertlm")
    assert meta["config"]["family"] == "ensemble" and meta["config"]["members.1.weight"] == 0.75
    peek(out / "litertlm" / "model.litertlm", tmp_path)
    tflite = next(tmp_path.glob("Section0_TFLiteModel*.tflite"))
    assert tflite.read_bytes() == (out / "litert" / "model_fp16.tflite").read_bytes()
