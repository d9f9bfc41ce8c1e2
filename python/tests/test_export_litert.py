# SPDX-License-Identifier: Apache-2.0
"""The LiteRT (.tflite) exports run in ai-edge-litert with its default CPU delegate
(XNNPACK) and match the float64 reference forward pass on real log-mels of the example
clips: float32 within 1e-4; float16 and int8 against the parity gates of docs/parity.md (max 5e-3,
mean 5e-4), reported per precision. The input's signature is [1, -1, 128]: each clip
runs alone (resized) and zero-padded to the contract shape [1, 3000, 128]."""
import functools
import hashlib
import subprocess

import numpy as np
import pytest

from export_helpers import (REPO, _TMP, cli, example_mels, export, metadata, pad_to, ref, reference_scores, report,
                            weights_file)

litert = pytest.importorskip("ai_edge_litert.interpreter", reason="pip install ai-edge-litert")

FP32_MAX = 1e-4
GATE_MAX, GATE_MEAN = 5e-3, 5e-4   # docs/parity.md: fp16 / int8 vs the checkpoint
PADDING_MAX = 1e-5
# Dynamic-range int8 quantizes each input at run time. Where XNNPACK's kernels scale per
# row (AVX-512 VNNI hosts) padding frames change nothing (~1e-7); where a path scales
# per tensor (measured on an AVX2-only AMD EPYC: 9.5e-4), the padded rows move the scale
# and the scores move by up to one input quantization step's worth. The bound admits
# that on every instruction set and stays 6x under the file's own error bound (3e-2).
INT8_PADDING_MAX = 5e-3
FILES = {"float32": "model.tflite", "float16": "model_fp16.tflite", "int8": "model_int8.tflite",
         "int8-full": "model_int8_full.tflite", "int16x8": "model_int16x8.tflite"}


def interpreter(path):
    return litert.Interpreter(model_path=str(path), num_threads=1)


def scores(path, mels, padded):
    """Scores [n, 13]; alone = resize the input to [1, T, 128], padded = [1, 3000, 128]."""
    out = []
    it = interpreter(path)
    inp, res = it.get_input_details()[0], it.get_output_details()[0]
    if padded:
        it.allocate_tensors()
    for m in mels:
        x = pad_to(m)[None] if padded else m[None]
        if not padded:
            it.resize_tensor_input(inp["index"], list(x.shape))
            it.allocate_tensors()
        it.set_tensor(inp["index"], x.astype(np.float32))
        it.invoke()
        out.append(it.get_tensor(res["index"])[0].copy())
    return np.stack(out)


def litert_folder(config, quantization):
    options = () if quantization == "float32" else ("--quantization", quantization)
    return export(config, "litert", *options)


@pytest.mark.parametrize("config", ["tiny", "small"])
def test_litert_float32_matches_reference(config):
    path = litert_folder(config, "float32") / FILES["float32"]
    mels = [m for _, m in example_mels()]
    want = reference_scores(config)
    alone, padded = scores(path, mels, False), scores(path, mels, True)
    assert report(f"litert {config} float32 alone", alone, want)[0] <= FP32_MAX
    assert report(f"litert {config} float32 padded to 3000", padded, want)[0] <= FP32_MAX
    assert np.abs(alone - padded).max() <= PADDING_MAX
    it = interpreter(path)
    it.allocate_tensors()  # delegates are applied here
    assert "DELEGATE" in [op["op_name"] for op in it._get_ops_details()], "XNNPACK was not applied"


@pytest.mark.parametrize("config", ["tiny", "small"])
def test_litert_float16_within_gates(config):
    path = litert_folder(config, "float16") / FILES["float16"]
    mels = [m for _, m in example_mels()]
    alone = scores(path, mels, False)
    worst, mean = report(f"litert {config} float16", alone, reference_scores(config))
    assert worst <= GATE_MAX and mean <= GATE_MEAN
    assert np.abs(alone - scores(path, mels, True)).max() <= PADDING_MAX


@pytest.mark.parametrize("config", ["tiny", "small"])
def test_litert_int8_dynamic_range(config):
    """int8 weights, float activations. Bounds here guard against regressions; whether
    the parity gate holds is the next test (it does not on random weights)."""
    path = litert_folder(config, "int8") / FILES["int8"]
    mels = [m for _, m in example_mels()]
    alone = scores(path, mels, False)
    worst, mean = report(f"litert {config} int8 dynamic-range", alone, reference_scores(config))
    assert worst <= 3e-2 and mean <= 5e-3
    padding = np.abs(alone - scores(path, mels, True)).max()
    print(f"litert {config} int8 dynamic-range padding drift {padding:.2e}")
    assert padding <= INT8_PADDING_MAX


@pytest.mark.xfail(reason="int8 weights alone move the scores of random-weight models by ~2e-3 on average "
                          "(weight-only fake quantization in float64 shows the same); see docs/export.md",
                   strict=False)
def test_litert_int8_dynamic_range_meets_design_gate():
    path = litert_folder("small", "int8") / FILES["int8"]
    worst, mean = report("litert small int8 vs gate", scores(path, [m for _, m in example_mels()], False),
                         reference_scores("small"))
    assert worst <= GATE_MAX and mean <= GATE_MEAN


def test_litert_sizes():
    folder = litert_folder("small", "int8")
    fp32 = (folder / FILES["float32"]).stat().st_size
    int8 = (folder / FILES["int8"]).stat().st_size
    fp16 = (litert_folder("small", "float16") / FILES["float16"]).stat().st_size
    print(f"litert small sizes: float32 {fp32} float16 {fp16} ({fp32 / fp16:.2f}x) int8 {int8} ({fp32 / int8:.2f}x)")
    assert int8 * 3.5 <= fp32
    assert fp16 * 1.9 <= fp32


def test_litert_static_3000_variant():
    folder = export("tiny", "litert", "--frames", "3000")
    it = interpreter(folder / FILES["float32"])
    inp = it.get_input_details()[0]
    assert list(inp["shape"]) == [1, 3000, 128] and list(inp["shape_signature"]) == [1, 3000, 128]
    padded = scores(folder / FILES["float32"], [m for _, m in example_mels()], True)
    assert report("litert tiny float32 static 3000", padded, reference_scores("tiny"))[0] <= FP32_MAX
    assert metadata(folder)["frames"] == "3000"


def test_litert_metadata_names_the_real_tensors():
    folder = litert_folder("tiny", "float16")
    meta = metadata(folder)
    assert meta["backend"] == "litert" and meta["precision"] == "float16"
    assert [a["file"] for a in meta["artifacts"]] == [FILES["float16"], FILES["float32"]]
    for art in meta["artifacts"]:
        path = folder / art["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == art["sha256"]
        it = interpreter(path)
        contract = art["runtime_tensor_contract"]
        for spec, real in ((contract["inputs"][0], it.get_input_details()[0]),
                           (contract["outputs"][0], it.get_output_details()[0])):
            assert spec["name"] == real["name"]
            assert spec["tensor_index"] == real["index"]
            assert spec["shape"] == list(real["shape"])
            assert spec.get("shape_signature", spec["shape"]) == list(real["shape_signature"])
        assert contract["inputs"][0]["shape_signature"] == [1, -1, 128]
        # The signature runner finds the tensors by their contract names.
        runner = interpreter(path).get_signature_runner(art["signature_key"])
        _, mel = example_mels()[0]
        out = runner(mel_spectrogram=mel[None])
        assert out["intent_output"].shape == (1, 13)
    pre = meta["delegate_preflight"]
    assert meta["delegate"] == "cpu" and pre["delegate"] == "cpu" and "summary" in pre


def test_litert_delegate_preflight_reports_refusals():
    meta = metadata(export("tiny", "litert", "--delegate", "gpu"))
    whats = [i["what"] for i in meta["delegate_preflight"]["issues"]]
    assert "dynamic shapes" in whats and not meta["delegate_preflight"]["fully_delegated"]
    static = metadata(export("tiny", "litert", "--delegate", "gpu", "--frames", "3000"))
    assert "dynamic shapes" not in [i["what"] for i in static["delegate_preflight"]["issues"]]
    tpu = metadata(export("tiny", "litert", "--delegate", "tpu", "--frames", "3000"))
    assert "float32 activations" in [i["what"] for i in tpu["delegate_preflight"]["issues"]]


@functools.lru_cache(maxsize=None)
def calibration_manifest():
    """`inherent prep` of the example labels: the mel cache + manifest the CLI calibrates on."""
    out = _TMP / "prep-examples"
    r = subprocess.run([str(cli()), "prep", "--labels", str(REPO / "data" / "examples" / "labels.csv"), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out / "manifest.csv"


def split_of_examples():
    import csv
    with open(REPO / "data" / "examples" / "labels.csv", newline="") as f:
        rows = {row["audio_path"].split("/")[-1][:-4]: row["split"] for row in csv.DictReader(f)}
    return [rows[name] for name, _ in example_mels()]


@pytest.mark.parametrize("config", ["tiny", "small"])
def test_litert_int8_full_integer(config):
    """int8 activations and weights, calibrated on the train clips of a manifest; the
    eval/test clips are held out. Exactly padding-invariant (the mask saturates)."""
    folder = export(config, "litert", "--quantization", "int8", "--calibration-manifest", str(calibration_manifest()))
    meta = metadata(folder)
    assert [a["file"] for a in meta["artifacts"]] == [FILES[p] for p in ("int8-full", "int16x8", "int8", "float32")]
    art = meta["artifacts"][0]
    assert art["precision"] == "int8-full" and art["calibration_clips"] == split_of_examples().count("train")
    path = folder / FILES["int8-full"]
    it = interpreter(path)
    it.allocate_tensors()
    assert "DELEGATE" in [op["op_name"] for op in it._get_ops_details()], "XNNPACK was not applied"
    inner = [d for d in it.get_tensor_details() if d["name"] == "mel_spectrogram.int8"]
    assert inner and inner[0]["dtype"] == np.int8
    mels = [m for _, m in example_mels()]
    alone = scores(path, mels, False)
    want = reference_scores(config)
    train = np.array([s == "train" for s in split_of_examples()])
    report(f"litert {config} int8-full (calibration clips)", alone[train], want[train])
    worst, mean = report(f"litert {config} int8-full (held-out clips)", alone[~train], want[~train])
    assert worst <= 8e-2 and mean <= 2e-2
    assert np.abs(alone - scores(path, mels, True)).max() <= PADDING_MAX


@pytest.mark.parametrize("config", ["tiny", "small"])
def test_litert_int16x8_full_integer_meets_the_gate(config):
    """int16 activations, int8 weights (the 16x8 scheme), calibrated on the train clips:
    integer from input to output, within the fp16/int8 gate on the held-out clips."""
    folder = export(config, "litert", "--quantization", "int8", "--calibration-manifest", str(calibration_manifest()))
    art = metadata(folder)["artifacts"][1]
    assert art["precision"] == "int16x8" and art["calibration_clips"] == split_of_examples().count("train")
    path = folder / FILES["int16x8"]
    it = interpreter(path)
    it.allocate_tensors()
    inner = [d for d in it.get_tensor_details() if d["name"] == "mel_spectrogram.int16"]
    assert inner and inner[0]["dtype"] == np.int16
    ops = {op["op_name"] for op in it._get_ops_details()}
    assert "FULLY_CONNECTED" in ops and "QUANTIZE" in ops and "DEQUANTIZE" in ops
    mels = [m for _, m in example_mels()]
    alone = scores(path, mels, False)
    train = np.array([s == "train" for s in split_of_examples()])
    worst, mean = report(f"litert {config} int16x8 (held-out clips)", alone[~train], reference_scores(config)[~train])
    assert worst <= GATE_MAX and mean <= GATE_MEAN
    # Padded to 3000 frames the masked keys are not exactly 0: the int16 SOFTMAX kernel's
    # exp table stops at exp(-10), so each padded step keeps a weight of about 4.5e-5
    # (measured here: max 1.7e-3 / 2.2e-3, mean 5.1e-4 / 5.8e-4 for tiny / small).
    padded_scores = scores(path, mels, True)
    report(f"litert {config} int16x8 padded to 3000 vs alone", padded_scores, alone)
    padded = np.abs(alone - padded_scores)
    assert padded.max() <= GATE_MAX and padded.mean() <= 2 * GATE_MEAN


@pytest.mark.xfail(reason="int8 activations through LayerNorm, attention and GLU move the scores of random-weight "
                          "models by ~5e-3 on average; see docs/export.md", strict=False)
def test_litert_int8_full_integer_meets_design_gate():
    folder = export("small", "litert", "--quantization", "int8", "--calibration-manifest", str(calibration_manifest()))
    worst, mean = report("litert small int8-full vs gate", scores(folder / FILES["int8-full"], [m for _, m in example_mels()], False),
                         reference_scores("small"))
    assert worst <= GATE_MAX and mean <= GATE_MEAN


def test_litert_precision_list_orders_the_artifacts():
    """--quantization float16,int16x8: fp16 primary, then int16x8, then the float32 reference;
    int16x8 without a calibration manifest is refused by name."""
    folder = export("tiny", "litert", "--quantization", "float16,int16x8", "--calibration-manifest",
                    str(calibration_manifest()))
    assert [a["file"] for a in metadata(folder)["artifacts"]] == [FILES[p] for p in ("float16", "int16x8", "float32")]
    r = subprocess.run([str(cli()), "export", "--weights", str(weights_file("tiny")), "--output-dir",
                        str(_TMP / "int16x8-alone"), "--backend", "litert", "--quantization", "int16x8"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "calibration-manifest" in r.stderr


def test_snapped_weights_remove_the_weight_rounding_of_int16x8():
    """`inherent snap` puts the weights on the int8 grid the integer models use: the
    int16x8 model of the snapped weights sits closer to their float64 reference than the
    int16x8 model of the original weights does to theirs (activation rounding is left)."""
    snapped = _TMP / "small-snapped"
    r = subprocess.run([str(cli()), "snap", "--checkpoint", str(weights_file("small")), "--output-dir", str(snapped),
                        "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    mels = [m for _, m in example_mels()]
    calib = str(calibration_manifest())
    drift = {}
    for name, weights_path in (("original", weights_file("small")), ("snapped", snapped / "model.safetensors")):
        out = _TMP / f"int16x8-{name}"
        r = subprocess.run([str(cli()), "export", "--weights", str(weights_path), "--output-dir", str(out), "--backend",
                            "litert", "--quantization", "int16x8", "--calibration-manifest", calib],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        w = ref.read_safetensors(weights_path)[0]
        want = np.stack([ref.scores(w, ref.CONFIGS["small"], m) for m in mels])
        drift[name] = report(f"litert small int16x8 of the {name} weights", scores(out / "litert" / FILES["int16x8"],
                                                                                    mels, False), want)
    assert drift["snapped"][1] < 0.7 * drift["original"][1]
    assert drift["snapped"][0] <= GATE_MAX and drift["snapped"][1] <= GATE_MEAN


def test_whisper_family_litert_matches_its_float64_reference():
    """The whisper family (tests/data/whisper-family: a random model of the family and the
    logits of src/backbone/package.py's torch reference in float64) in LiteRT: float32
    alone, framed in padding at both ends and zero-padded to 3000 frames (the graph cuts
    the padding itself); float16 within the parity gates; integer precisions refused by
    name."""
    import json

    data = REPO / "tests" / "data" / "whisper-family"
    out = _TMP / "whisper-family-litert"
    subprocess.run([str(cli()), "export", "--weights", str(data / "weights.safetensors"), "--output-dir", str(out),
                    "--backend", "litert", "--quantization", "float16", "-q"], check=True)
    lengths = json.loads((data / "lengths.json").read_text())
    want = 1 / (1 + np.exp(-np.load(data / "expected.npy").astype(np.float64)))
    mels = [np.load(data / f"mel-{n}.npy") for n in lengths]
    framed = [np.concatenate([np.zeros((2, 128), np.float32), m, np.zeros((3, 128), np.float32)]) for m in mels]
    f32 = out / "litert" / FILES["float32"]
    alone = scores(f32, mels, False)
    assert report("litert whisper family float32 alone", alone, want)[0] <= FP32_MAX
    assert np.abs(scores(f32, framed, False) - alone).max() <= PADDING_MAX
    assert np.abs(scores(f32, mels, True) - alone).max() <= PADDING_MAX
    # Nothing left after the cut, or more than Whisper's 1500 positions: an error, not scores
    # (runtime_contract.md; the native engine scores silence 0 and refuses the long clip).
    for x in (np.zeros((10, 128), np.float32), np.tile(mels[-1], (1600 // len(mels[-1]) + 1, 1))[:1600]):
        with pytest.raises(RuntimeError):
            scores(f32, [x], False)
    worst, mean = report("litert whisper family float16", scores(out / "litert" / FILES["float16"], mels, False), want)
    assert worst <= GATE_MAX and mean <= GATE_MEAN
    assert want.std() > 0.1
    gpu = _TMP / "whisper-family-litert-gpu"
    subprocess.run([str(cli()), "export", "--weights", str(data / "weights.safetensors"), "--output-dir", str(gpu),
                    "--backend", "litert", "--delegate", "gpu", "-q"], check=True)
    issues = [i["what"] for i in metadata(gpu / "litert")["delegate_preflight"]["issues"]]
    assert "data-dependent shapes" in issues  # the cut: no static-shape delegate takes this graph
    for args, message in [(("--backend", "litert", "--quantization", "int8"), "float32 or float16")]:
        p = subprocess.run([str(cli()), "export", "--weights", str(data / "weights.safetensors"), "--output-dir",
                            str(_TMP / "whisper-family-refused"), *args, "-q"], capture_output=True, text=True)
        assert p.returncode != 0 and message in p.stderr, (args, p.stderr)


def test_ensemble_litert_is_the_weighted_sum_of_its_members_float64_references():
    """An ensemble of the whisper family's test model (0.25) and a random tiny Conformer
    (0.75) in LiteRT: float32 equals sigmoid of the weighted sum of the members' float64
    reference logits, alone and zero-padded to 3000 frames; float16 within the parity
    gates; integer precisions refused (a member cuts padding)."""
    import json

    import reference_model as ref
    from export_helpers import weights, weights_file

    data = REPO / "tests" / "data" / "whisper-family"
    out = _TMP / "ensemble-litert"
    members = ["--ensemble", f"{data / 'weights.safetensors'}:0.25", "--ensemble", f"{weights_file('tiny')}:0.75"]
    subprocess.run([str(cli()), "export", *members, "--output-dir", str(out), "--backend", "litert",
                    "--quantization", "float16", "-q"], check=True)
    lengths = json.loads((data / "lengths.json").read_text())
    whisper_logits = np.load(data / "expected.npy").astype(np.float64)
    mels = [np.load(data / f"mel-{n}.npy") for n in lengths]
    want = np.stack([1 / (1 + np.exp(-(0.25 * whisper_logits[i] + 0.75 * ref.forward_one(
        weights("tiny"), ref.CONFIGS["tiny"], m)))) for i, m in enumerate(mels)])
    f32 = out / "litert" / FILES["float32"]
    alone = scores(f32, mels, False)
    assert report("litert ensemble float32 alone", alone, want)[0] <= FP32_MAX
    assert np.abs(scores(f32, mels, True) - alone).max() <= PADDING_MAX
    worst, mean = report("litert ensemble float16", scores(out / "litert" / FILES["float16"], mels, False), want)
    assert worst <= GATE_MAX and mean <= GATE_MEAN
    p = subprocess.run([str(cli()), "export", *members, "--output-dir", str(_TMP / "ensemble-refused"),
                        "--backend", "litert", "--quantization", "int8", "-q"], capture_output=True, text=True)
    assert p.returncode != 0 and "float32 or float16" in p.stderr, p.stderr
