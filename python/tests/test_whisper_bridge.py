# SPDX-License-Identifier: Apache-2.0
"""The bridge from the project's log-mel to Whisper's input (src/backbone/bridge.py).
Needs neither the Whisper package nor its weights: the filterbank fit is checked against
Whisper's filters directly, and the torch bridge against the numpy one."""
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("librosa")
pytest.importorskip("scipy")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src" / "backbone"))
import bridge  # noqa: E402
import real_speech  # noqa: E402


def test_fixed_map_reproduces_whisper_filters_on_a_flat_spectrum():
    a = bridge.fixed_map_matrix()
    assert a.shape == (80, 128) and (a >= 0).all()
    grid = np.arange(0.0, 8000.0, 1.0)
    flat = np.ones_like(grid)
    whisper = bridge.whisper_filters() @ np.interp(np.arange(201) * 40.0, grid, flat)
    ours = bridge.htk_triangles(np.arange(513) * 15.625) @ np.interp(np.arange(513) * 15.625, grid, flat) / 1024
    err = np.abs(np.log10(a @ ours / whisper))
    # The first Whisper filter starts below the project's 20 Hz edge; every other is close.
    assert err[1:].max() < 0.03, err.max()
    assert err[0] < 0.1


def test_torch_mapped_stem_input_equals_the_numpy_fixed_map():
    rng = np.random.default_rng(3)
    mel = rng.uniform(-18.4, 4.0, size=(40, 128)).astype(np.float32)
    matrix = bridge.fixed_map_matrix()
    floor = -7.0
    tensors = {"whisper.encoder.conv1.weight": torch.zeros(8, 80, 3), "whisper.encoder.conv1.bias": torch.zeros(8),
               "whisper.encoder.conv2.weight": torch.zeros(8, 8, 3), "whisper.encoder.conv2.bias": torch.zeros(8)}
    stem = bridge.MappedStem(tensors, matrix, floor)
    got = stem.whisper_mel(torch.from_numpy(mel)[None])[0].numpy()
    want = bridge.fixed_map_mel(mel, matrix, floor)[:, :80]
    assert got.shape == (80, 80)
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert stem(torch.from_numpy(mel)[None]).shape == (1, 40, 8)


def test_probe_speakers_never_fit():
    if not real_speech.REAL_DEV.is_dir():
        pytest.skip("../shared/data/real-dev is not beside the repository")
    fit = {r["speaker"] for r in real_speech.real_dev_clips("fit") if r["speaker"]}
    probe = {r["speaker"] for r in real_speech.real_dev_clips("probe") if r["speaker"]}
    assert fit and probe and not fit & probe
