# SPDX-License-Identifier: Apache-2.0
"""The MLX export (weights + inherent_mlx.py + exported function) runs in MLX (the CPU
build on Linux) and matches the float64 reference forward pass on real log-mels:
alone, in a zero-padded batch, zero-padded to 3000 frames, and through the exported
function loaded with mx.import_function alone (no inherent code)."""
import hashlib
import importlib.util

import numpy as np
import pytest

from export_helpers import example_mels, export, metadata, pad_to, reference_scores, report

mx = pytest.importorskip("mlx.core", reason="pip install 'mlx[cpu]' (Linux) or mlx (macOS)")

FP32_MAX = 1e-4
PADDING_MAX = 1e-5


def load_module(folder):
    spec = importlib.util.spec_from_file_location(f"inherent_mlx_{abs(hash(str(folder)))}", folder / "inherent_mlx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("config", ["tiny", "small"])
def test_mlx_matches_reference(config):
    folder = export(config, "mlx")
    model = load_module(folder).load(folder)
    mels = [m for _, m in example_mels()]
    want = reference_scores(config)
    alone = np.stack([np.array(model(m)) for m in mels])
    assert report(f"mlx {config} alone", alone, want)[0] <= FP32_MAX
    longest = max(len(m) for m in mels)
    batch = np.array(model(np.stack([pad_to(m, longest) for m in mels])))
    assert np.abs(batch - alone).max() <= PADDING_MAX
    # MLX's CPU build takes seconds for 3000 frames of `small`: two clips are enough here.
    padded = np.array(model(np.stack([pad_to(m) for m in mels[:2]])))
    assert np.abs(padded - alone[:2]).max() <= PADDING_MAX


def test_mlx_exported_function_runs_without_the_module():
    folder = export("tiny", "mlx")
    meta = metadata(folder)
    files = [a["file"] for a in meta["artifacts"]]
    assert files == ["model.safetensors", "inherent_mlx.py", "model-3000.mlxfn"], meta.get("exported_function")
    for art in meta["artifacts"]:
        assert hashlib.sha256((folder / art["file"]).read_bytes()).hexdigest() == art["sha256"]
    fn = mx.import_function(str(folder / "model-3000.mlxfn"))
    got = np.stack([np.array(fn(mx.array(pad_to(m)[None]))[0])[0] for _, m in example_mels()])
    assert report("mlx tiny exported function (3000 frames)", got, reference_scores("tiny"))[0] <= FP32_MAX


def test_mlx_decide_uses_the_shipped_thresholds():
    folder = export("tiny", "mlx")
    model = load_module(folder).load(folder)
    meta = metadata(folder)
    assert model.head_order == meta["head_order"]
    scores = np.full(13, 0.95, dtype=np.float32)
    assert all(model.decide(scores).values())
    scores[0] = 0.1  # not addressed: no intent counts
    assert not any(model.decide(scores).values())


def test_whisper_family_mlx_matches_its_float64_reference():
    """The whisper family (tests/data/whisper-family: a random model of the family and the
    logits of src/backbone/package.py's torch reference in float64) in MLX: alone, framed
    in padding at both ends and in a zero-padded batch; no exported function (the family
    cuts each clip's padding), said in the sidecar; an all-padding clip is refused."""
    import json
    import subprocess

    from export_helpers import REPO, _TMP, cli

    data = REPO / "tests" / "data" / "whisper-family"
    out = _TMP / "whisper-family-mlx"
    subprocess.run([str(cli()), "export", "--weights", str(data / "weights.safetensors"), "--output-dir", str(out),
                    "--backend", "mlx", "-q"], check=True)
    folder = out / "mlx"
    meta = metadata(folder)
    assert [a["file"] for a in meta["artifacts"]] == ["model.safetensors", "inherent_mlx.py"]
    assert "padding" in meta["exported_function"]
    model = load_module(folder).load(folder)
    lengths = json.loads((data / "lengths.json").read_text())
    want = 1 / (1 + np.exp(-np.load(data / "expected.npy").astype(np.float64)))
    mels = [np.load(data / f"mel-{n}.npy") for n in lengths]
    alone = np.stack([np.array(model(m)) for m in mels])
    assert report("mlx whisper family alone", alone, want)[0] <= FP32_MAX
    framed = np.array(model(np.concatenate([np.zeros((2, 128), np.float32), mels[-1], np.zeros((3, 128), np.float32)])))
    assert np.abs(framed - alone[-1]).max() <= PADDING_MAX
    longest = max(lengths)
    batch = np.array(model(np.stack([pad_to(m, longest) for m in mels])))
    assert np.abs(batch - alone).max() <= PADDING_MAX
    assert want.std() > 0.1
    with pytest.raises(ValueError, match="every frame is padding"):
        model(np.zeros((10, 128), np.float32))
    # As a command: the folder loads; asked for a function, it says why not (exit 1).
    module = load_module(folder)
    assert module._main([str(folder)]) == 0
    assert module._main([str(folder), "--export-function", "--output", str(out / "f.mlxfn")]) == 1
    assert not (out / "f.mlxfn").exists()


def test_ensemble_mlx_is_the_weighted_sum_of_its_members_float64_references():
    """An ensemble of the whisper family's test model (0.25) and a random tiny Conformer
    (0.75) in MLX: sigmoid of the weighted sum of the members' float64 reference logits,
    alone and in a batch padded at the end; no exported function (a member cuts padding)."""
    import json
    import subprocess

    import reference_model as ref
    from export_helpers import REPO, _TMP, cli, weights, weights_file

    data = REPO / "tests" / "data" / "whisper-family"
    out = _TMP / "ensemble-mlx"
    subprocess.run([str(cli()), "export", "--ensemble", f"{data / 'weights.safetensors'}:0.25",
                    "--ensemble", f"{weights_file('tiny')}:0.75", "--output-dir", str(out), "--backend", "mlx", "-q"],
                   check=True)
    folder = out / "mlx"
    assert "padding" in metadata(folder)["exported_function"]
    model = load_module(folder).load(folder)
    lengths = json.loads((data / "lengths.json").read_text())
    whisper_logits = np.load(data / "expected.npy").astype(np.float64)
    mels = [np.load(data / f"mel-{n}.npy") for n in lengths]
    want = np.stack([1 / (1 + np.exp(-(0.25 * whisper_logits[i] + 0.75 * ref.forward_one(
        weights("tiny"), ref.CONFIGS["tiny"], m)))) for i, m in enumerate(mels)])
    alone = np.stack([np.array(model(m)) for m in mels])
    assert report("mlx ensemble alone", alone, want)[0] <= FP32_MAX
    batch = np.array(model(np.stack([pad_to(m, max(lengths)) for m in mels])))
    assert np.abs(batch - alone).max() <= PADDING_MAX
