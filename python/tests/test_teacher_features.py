# SPDX-License-Identifier: Apache-2.0
"""src/backbone/teacher_features.py on a random encoder of Whisper's layout
(tests/data/whisper-random, width 32): train rows get a .npy of the encoder's outputs
averaged over the clip's frames (checked against the encoder run here), other splits an
empty cell; a second run reuses the files; bad input is named and writes no CSV."""
import csv
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
sf = pytest.importorskip("soundfile")
safetensors_torch = pytest.importorskip("safetensors.torch")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src" / "backbone"))
import bridge  # noqa: E402
import features  # noqa: E402
import teacher_features  # noqa: E402
import whisper_encoder  # noqa: E402

import inherent  # noqa: E402

ENCODER = REPO / "tests" / "data" / "whisper-random" / "encoder.safetensors"


@pytest.fixture()
def corpus(tmp_path):
    enc, _ = whisper_encoder.load_encoder(str(ENCODER))
    stem = bridge.MappedStem(enc.t, bridge.fixed_map_matrix(), -7.19)
    safetensors_torch.save_file({k: v.contiguous() for k, v in stem.state_dict().items()}, str(tmp_path / "stem.st"))
    (tmp_path / "audio").mkdir()
    header = ["audio_path", "transcript", "speaker_id", "session_id", "device", "environment", "source",
              "duration_s", "split"] + list(inherent.HEAD_ORDER)
    with open(tmp_path / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i, split in enumerate(["train", "train", "test"]):
            t = np.arange(int(0.7 * 16000)) / 16000
            sf.write(str(tmp_path / "audio" / f"c{i}.wav"), (0.2 * np.sin(2 * np.pi * (300 + 150 * i) * t)), 16000)
            w.writerow([f"audio/c{i}.wav", "set a timer", "s", "s", "d", "e", "src", "0.7", split, 1] + [0] * 12)
    args = ["--encoder", str(ENCODER), "--stem", str(tmp_path / "stem.st"), "-q"]
    return tmp_path, args


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_train_rows_get_the_pooled_encoder_output(corpus):
    tmp, args = corpus
    out = tmp / "with-features.csv"
    teacher_features.main([str(tmp / "labels.csv"), str(out), "--dir", str(tmp / "feats")] + args)
    rows = read_rows(out)
    assert [bool(r["teacher_features"]) for r in rows] == [True, True, False]
    backbone = features.Backbone(str(ENCODER), str(tmp / "stem.st"))
    frontend = inherent.AudioFrontend(max_frames=0)
    got = []
    for r in rows[:2]:
        v = np.load(r["teacher_features"])
        assert v.dtype == np.float32 and v.shape == (32,)
        mel = frontend.audio_to_mel(inherent.load_audio(str(tmp / r["audio_path"])))
        with torch.no_grad():
            want = backbone(torch.from_numpy(mel)[None])[0].double().mean(dim=0).numpy()
        np.testing.assert_allclose(v, want, atol=1e-5)
        got.append(v)
    assert np.abs(got[0] - got[1]).max() > 1e-3  # different clips, different vectors
    # A second run reuses the files (same paths, untouched).
    stamp = Path(rows[0]["teacher_features"]).stat().st_mtime_ns
    teacher_features.main([str(tmp / "labels.csv"), str(tmp / "again.csv"), "--dir", str(tmp / "feats")] + args)
    assert read_rows(tmp / "again.csv") == rows
    assert Path(rows[0]["teacher_features"]).stat().st_mtime_ns == stamp


def test_bad_input_is_named(corpus):
    tmp, args = corpus
    with open(tmp / "labels.csv") as f:
        text = f.read().replace("audio/c1.wav", "audio/missing.wav")
    (tmp / "bad.csv").write_text(text)
    with pytest.raises(SystemExit, match=r"bad.csv:3: audio/missing.wav"):
        teacher_features.main([str(tmp / "bad.csv"), str(tmp / "x.csv"), "--dir", str(tmp / "f")] + args)
    assert not (tmp / "x.csv").exists()
    with pytest.raises(SystemExit, match="--stem nowhere.st: no such file"):
        teacher_features.main([str(tmp / "labels.csv"), str(tmp / "x.csv"), "--dir", str(tmp / "f"),
                               "--encoder", str(ENCODER), "--stem", "nowhere.st"])
