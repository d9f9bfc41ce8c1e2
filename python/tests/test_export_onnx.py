# SPDX-License-Identifier: Apache-2.0
"""The ONNX export runs in ONNX Runtime and matches the float64 reference forward pass
(reference_model.py, written from arch.h) on real log-mels of the example clips:
alone, zero-padded to 3000 frames, in a padded batch, and in the fixed-3000 variant."""
import hashlib

import numpy as np
import pytest

import reference_model as ref
from export_helpers import example_mels, export, metadata, pad_to, reference_scores, report, weights

ort = pytest.importorskip("onnxruntime", reason="pip install onnxruntime (python/requirements-dev.txt)")

FP32_MAX = 1e-4    # docs/parity.md: exported fp32 artifacts vs the checkpoint
PADDING_MAX = 1e-5  # contracts/runtime_contract.md: the same clip alone, padded, batched


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def run(sess, mel):
    x = mel[None] if mel.ndim == 2 else mel
    return sess.run(["intent_output"], {"mel_spectrogram": x.astype(np.float32)})[0]


@pytest.mark.parametrize("config", ["tiny", "small"])
def test_onnx_matches_reference_on_real_clips(config):
    folder = export(config, "onnx")
    dyn, fixed = session(folder / "model.onnx"), session(folder / "model-3000.onnx")
    want = reference_scores(config)
    alone = np.concatenate([run(dyn, m) for _, m in example_mels()])
    padded = np.concatenate([run(dyn, pad_to(m)) for _, m in example_mels()])
    fixed_padded = np.concatenate([run(fixed, pad_to(m)) for _, m in example_mels()])
    assert alone.shape == (len(example_mels()), 13)
    assert report(f"onnx {config} dynamic", alone, want)[0] <= FP32_MAX
    assert report(f"onnx {config} dynamic padded to 3000", padded, want)[0] <= FP32_MAX
    assert report(f"onnx {config} fixed-3000", fixed_padded, want)[0] <= FP32_MAX
    # Padding invariance inside the runtime itself.
    assert np.abs(alone - fixed_padded).max() <= PADDING_MAX
    assert np.abs(alone - padded).max() <= PADDING_MAX
    # Scores are spread, so the comparison above is not between constants.
    assert alone.std() > 0.1


def test_onnx_padded_batch_scores_each_clip_as_alone():
    folder = export("tiny", "onnx")
    dyn = session(folder / "model.onnx")
    mels = [m for _, m in example_mels()]
    longest = max(len(m) for m in mels)
    batch = np.stack([pad_to(m, longest) for m in mels])
    together = run(dyn, batch)
    alone = np.concatenate([run(dyn, m) for m in mels])
    assert np.abs(together - alone).max() <= PADDING_MAX


def test_onnx_detects_a_wrong_model():
    """The comparison can fail: swapping two heads of the reference, or feeding the
    model a clip whose trailing silence is real log-mel floor (not zeros), shows up."""
    folder = export("tiny", "onnx")
    dyn = session(folder / "model.onnx")
    w = dict(weights("tiny"))
    w["head.weight"] = w["head.weight"][[1, 0] + list(range(2, 13))]
    w["head.bias"] = w["head.bias"][[1, 0] + list(range(2, 13))]
    _, mel = example_mels()[0]
    assert np.abs(run(dyn, mel)[0] - ref.scores(w, ref.CONFIGS["tiny"], mel)).max() > 1e-2
    floor = np.full((400, 128), np.log(1e-8), dtype=np.float32)  # digital silence, not padding
    assert np.abs(run(dyn, np.concatenate([mel, floor])) - run(dyn, mel)).max() > 1e-4


def test_onnx_metadata_names_the_real_tensors():
    folder = export("tiny", "onnx")
    meta = metadata(folder)
    assert meta["backend"] == "onnx" and meta["format_version"] == 1
    assert meta["head_order"][0] == "isInteresting" and len(meta["threshold_keys"]) == 13
    assert set(meta["default_thresholds"]) == set(meta["threshold_keys"])
    assert meta["frontend"]["sample_rate"] == 16000 and meta["frontend"]["n_fft"] == 1024
    for art in meta["artifacts"]:
        path = folder / art["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == art["sha256"]
        sess = session(path)
        contract = art["runtime_tensor_contract"]
        ins, outs = sess.get_inputs(), sess.get_outputs()
        assert [t["name"] for t in contract["inputs"]] == [t.name for t in ins]
        assert [t["name"] for t in contract["outputs"]] == [t.name for t in outs]
        for t, s in zip(contract["inputs"] + contract["outputs"], ins + outs):
            assert [d if d >= 0 else None for d in t["shape"]] == [d if isinstance(d, int) else None for d in s.shape]
    assert meta["runtime_tensor_contract"] == meta["artifacts"][0]["runtime_tensor_contract"]


def test_whisper_family_onnx_matches_its_float64_reference():
    """The whisper family (tests/data/whisper-family: a random model of the family and the
    logits of src/backbone/package.py's torch reference in float64) in ONNX Runtime, and the
    native engine on the same package: padding at either end and the fixed-3000 variant
    change nothing; one clip per run."""
    import json
    import subprocess

    import inherent
    from export_helpers import REPO, _TMP, cli

    data = REPO / "tests" / "data" / "whisper-family"
    out = _TMP / "whisper-family"
    subprocess.run([str(cli()), "export", "--weights", str(data / "weights.safetensors"), "--output-dir", str(out),
                    "--backend", "onnx", "--backend", "native", "-q"], check=True)
    lengths = json.loads((data / "lengths.json").read_text())
    want = 1 / (1 + np.exp(-np.load(data / "expected.npy").astype(np.float64)))
    dyn, fixed = session(out / "onnx" / "model.onnx"), session(out / "onnx" / "model-3000.onnx")
    assert dyn.get_inputs()[0].shape[0] == 1  # no batch: the family has no padding mask
    engine = inherent.Engine(str(out / "native"), min_voiced_ms=0, trim_to_speech=False)
    for i, n in enumerate(lengths):
        mel = np.load(data / f"mel-{n}.npy")
        framed = np.concatenate([np.zeros((2, 128), np.float32), mel, np.zeros((3, 128), np.float32)])
        for label, got in [("onnx", run(dyn, mel)[0]), ("onnx framed in padding", run(dyn, framed)[0]),
                           ("onnx fixed-3000", run(fixed, pad_to(mel))[0]), ("engine", engine.score_mel(mel))]:
            assert np.abs(got - want[i]).max() <= FP32_MAX, (label, n)
    assert want.std() > 0.1


def test_ensemble_onnx_is_the_weighted_sum_of_its_members_float64_references():
    """An ensemble (`inherent export --ensemble`) of the whisper family's test model and a
    random tiny Conformer, weights 0.25 / 0.75: ONNX Runtime and the native engine give
    sigmoid(0.25 whisper logits + 0.75 conformer logits), each member's logits from its
    own float64 reference (package.py's torch model, reference_model.py); padding at
    either end and the fixed-3000 variant change nothing."""
    import json
    import subprocess

    import inherent
    from export_helpers import REPO, _TMP, cli, weights_file

    data = REPO / "tests" / "data" / "whisper-family"
    out = _TMP / "ensemble"
    subprocess.run([str(cli()), "export", "--ensemble", f"{data / 'weights.safetensors'}:0.25",
                    "--ensemble", f"{weights_file('tiny')}:0.75", "--output-dir", str(out),
                    "--backend", "onnx", "--backend", "native", "-q"], check=True)
    assert metadata(out / "onnx")["config"]["family"] == "ensemble"
    lengths = json.loads((data / "lengths.json").read_text())
    whisper_logits = np.load(data / "expected.npy").astype(np.float64)
    dyn, fixed = session(out / "onnx" / "model.onnx"), session(out / "onnx" / "model-3000.onnx")
    engine = inherent.Engine(str(out / "native"), min_voiced_ms=0, trim_to_speech=False)
    for i, n in enumerate(lengths):
        mel = np.load(data / f"mel-{n}.npy")
        conformer_logits = ref.forward_one(weights("tiny"), ref.CONFIGS["tiny"], mel)
        want = 1 / (1 + np.exp(-(0.25 * whisper_logits[i] + 0.75 * conformer_logits)))
        trailing = np.concatenate([mel, np.zeros((3, 128), np.float32)])
        for label, got in [("onnx", run(dyn, mel)[0]), ("onnx with trailing padding", run(dyn, trailing)[0]),
                           ("onnx fixed-3000", run(fixed, pad_to(mel))[0]), ("engine", engine.score_mel(mel))]:
            assert np.abs(got - want).max() <= FP32_MAX, (label, n)
        # Leading padding moves a Conformer's subsampling grid (its own contract), in
        # both runtimes alike (a clip of a few frames then has no valid Conformer step).
        if n >= 7:
            framed = np.concatenate([np.zeros((2, 128), np.float32), trailing])
            assert np.abs(run(dyn, framed)[0] - engine.score_mel(framed)).max() <= FP32_MAX, n
        assert np.abs(conformer_logits - whisper_logits[i]).max() > 0.1  # two models, not one twice
