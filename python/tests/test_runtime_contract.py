# SPDX-License-Identifier: Apache-2.0
"""contracts/runtime_contract.md against a real export of the tiny model: the tables
marked `<!-- checked: NAME -->` (tensor names and shapes per artifact, head order and
threshold keys, frontend parameters, sidecar keys) must equal what `inherent export`
writes and what the runtimes (onnxruntime, ai-edge-litert) read from the files, both
ways: nothing documented is missing, nothing written is undocumented."""
from __future__ import annotations

import functools
import re

import numpy as np
import pytest

from export_helpers import REPO, export, metadata

CONTRACT = REPO / "contracts" / "runtime_contract.md"
BACKENDS = ("onnx", "litert", "mlx", "native")
TENSOR_FILES = (".onnx", ".tflite", ".mlxfn", ".safetensors")  # files that hold the model's tensors


def cell(text: str) -> str:
    return text.strip().strip("`").strip()


@functools.lru_cache(maxsize=None)
def table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of the markdown table after `<!-- checked: name -->`, keyed by header."""
    lines = CONTRACT.read_text().splitlines()
    marker = f"<!-- checked: {name} -->"
    assert marker in lines, f"{CONTRACT}: no {marker}"
    rows = []
    start = lines.index(marker) + 1
    body = [l for l in lines[start:start + 200]]
    body = body[:next((i for i, l in enumerate(body) if not l.startswith("|")), len(body))]
    split = lambda l: [cell(c) for c in re.split(r"(?<!\\)\|", l.strip())[1:-1]]
    header = split(body[0])
    assert set(body[1].replace("|", "").strip()) <= {"-", " "}, f"{CONTRACT}: {name} table has no separator row"
    for line in body[2:]:
        values = split(line)
        assert len(values) == len(header), f"{CONTRACT}: {name} row has {len(values)} cells: {line}"
        rows.append(dict(zip(header, values)))
    assert rows, f"{CONTRACT}: {name} table is empty"
    return tuple(rows)


def shape(text: str) -> list[int]:
    return [int(v) for v in text.strip("[]").split(",")]


@functools.lru_cache(maxsize=None)
def folders() -> dict[str, list]:
    """Every backend exported from the tiny weights; litert twice (float16, and int8 with
    calibration: full-integer + dynamic-range) so every LiteRT file of the table exists."""
    from test_export_litert import calibration_manifest
    return {
        "onnx": [export("tiny", "onnx")],
        "litert": [export("tiny", "litert", "--quantization", "float16"),
                   export("tiny", "litert", "--quantization", "int8", "--calibration-manifest",
                          str(calibration_manifest()))],
        "mlx": [export("tiny", "mlx")],
        "native": [export("tiny", "native")],
    }


def artifact(backend: str, file: str):
    for folder in folders()[backend]:
        for a in metadata(folder)["artifacts"]:
            if a["file"] == file:
                return folder, a
    pytest.fail(f"{CONTRACT}: {backend}/{file} is documented but no export wrote it", pytrace=False)


def test_tensor_table_matches_every_artifact():
    rows = table("tensors")
    for r in rows:
        folder, a = artifact(r["backend"], r["file"])
        contract = a["runtime_tensor_contract"]
        inp, out = contract["inputs"][0], contract["outputs"][0]
        where = f"{r['backend']}/{r['file']}"
        assert (inp["name"], inp["shape"], inp["dtype"]) == (r["input"], shape(r["input shape"]), r["dtype"]), where
        assert (out["name"], out["shape"], out["dtype"]) == (r["output"], shape(r["output shape"]), r["dtype"]), where
    documented = {(r["backend"], r["file"]) for r in rows}
    for backend, list_ in folders().items():
        for folder in list_:
            for a in metadata(folder)["artifacts"]:
                if a["file"].endswith(TENSOR_FILES):
                    assert (backend, a["file"]) in documented, f"{backend}/{a['file']} is not in the contract's table"


def test_tensor_names_are_what_the_runtimes_see():
    ort = pytest.importorskip("onnxruntime")
    litert = pytest.importorskip("ai_edge_litert.interpreter")
    for r in table("tensors"):
        folder, _ = artifact(r["backend"], r["file"])
        path = str(folder / r["file"])
        if r["backend"] == "onnx":
            s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            (i,), (o,) = s.get_inputs(), s.get_outputs()
            dims = lambda d: [v if isinstance(v, int) else -1 for v in d]
            assert (i.name, dims(i.shape), o.name, dims(o.shape)) == (
                r["input"], shape(r["input shape"]), r["output"], shape(r["output shape"])), r["file"]
            assert i.type == o.type == f"tensor({r['dtype'].replace('float32', 'float')})"
        elif r["backend"] == "litert":
            it = litert.Interpreter(model_path=path)
            (i,), (o,) = it.get_input_details(), it.get_output_details()
            assert (i["name"], list(i["shape"]), o["name"], list(o["shape"])) == (
                r["input"], shape(r["input shape"]), r["output"], shape(r["output shape"])), r["file"]
            assert i["dtype"] == o["dtype"] == np.dtype(r["dtype"]), r["file"]
            assert list(i["shape_signature"]) == [1, -1, 128], r["file"]


def test_head_table_is_the_head_order_and_threshold_keys():
    rows = table("heads")
    assert [int(r["index"]) for r in rows] == list(range(13))
    for backend in BACKENDS:
        meta = metadata(folders()[backend][0])
        assert meta["head_order"] == [r["head"] for r in rows], backend
        assert meta["threshold_keys"] == [r["threshold key"] for r in rows], backend
        # An export of uncalibrated weights carries the seed thresholds.
        assert meta["threshold_calibration"]["method"] == "seed"
        assert [meta["default_thresholds"][r["threshold key"]] for r in rows] == [float(r["seed threshold"]) for r in rows]


def test_frontend_table_matches_the_sidecar():
    frontend = metadata(folders()["onnx"][0])["frontend"]
    for r in table("frontend"):
        assert r["key"] in frontend, f"frontend.{r['key']} is documented but not written"
        value = r["value"].split(" (")[0].split()[0]
        want = frontend[r["key"]]
        assert (float(value) == want) if isinstance(want, (int, float)) else value == want, r["key"]


def test_metadata_table_lists_every_key_each_backend_writes():
    rows = table("metadata")
    documented = {r["key"]: r for r in rows}
    for backend, list_ in folders().items():
        for folder in list_:
            meta = metadata(folder)
            for key in meta:
                assert key in documented, f"{backend} sidecar key {key!r} is not in the contract"
                on = documented[key]["backends"]
                assert on == "all" or backend in [b.strip() for b in on.split(",")], f"{key} on {backend}"
            for r in rows:
                on = [b.strip() for b in r["backends"].split(",")]
                conditional = r["what it holds"].startswith("only when")
                if (r["backends"] == "all" or backend in on) and not conditional:
                    assert r["key"] in meta, f"{r['key']} is documented for {backend} but not written"
            contract = meta["runtime_tensor_contract"]
            assert set(contract) == {"inputs", "outputs"}
            assert {"name", "index", "dtype", "shape", "dims"} <= set(contract["inputs"][0])
            assert meta["model_version"].count(".") == 2  # semver
