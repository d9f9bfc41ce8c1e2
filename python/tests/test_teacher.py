# SPDX-License-Identifier: Apache-2.0
"""src/backbone/teacher.py on a random encoder of Whisper's layout (tests/data/whisper-random,
width 32) and random pooled heads, or a committed package in the engine: labelled rows
get teacher columns, --audio-dir and --audio-list add unlabelled train rows, --trim hears
the speech span, and bad input is named. src/backbone/teacher_features.py on the same
encoder: each row's .npy is the encoder's outputs averaged over the clip's frames. No
real weights, no corpus."""
import csv
import json
import os
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
import designs  # noqa: E402
import features  # noqa: E402
import teacher  # noqa: E402
import teacher_features  # noqa: E402
import whisper_encoder  # noqa: E402

import inherent  # noqa: E402

ENCODER = REPO / "tests" / "data" / "whisper-random" / "encoder.safetensors"
HEAD_COLUMNS = list(inherent.HEAD_ORDER)


def tone(path, seconds, hz, lead_s=0.0):
    t = np.arange(int(seconds * 16000)) / 16000
    x = (0.2 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    x = np.concatenate([np.full(int(lead_s * 16000), 1e-4, np.float32), x])
    sf.write(str(path), x, 16000)


@pytest.fixture()
def setup(tmp_path):
    enc, _ = whisper_encoder.load_encoder(str(ENCODER))
    stem = bridge.MappedStem(enc.t, bridge.fixed_map_matrix(), -7.19)
    safetensors_torch.save_file({k: v.contiguous() for k, v in stem.state_dict().items()}, str(tmp_path / "stem.st"))
    torch.manual_seed(0)
    torch.save(designs.PooledHeads(dim=32).state_dict(), tmp_path / "heads.pt")
    (tmp_path / "audio").mkdir()
    (tmp_path / "real").mkdir()
    header = ["audio_path", "transcript", "speaker_id", "session_id", "device", "environment", "source",
              "duration_s", "split"] + HEAD_COLUMNS
    with open(tmp_path / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i, split in enumerate(["train", "test"]):
            tone(tmp_path / "audio" / f"c{i}.wav", 0.8, 300 + 100 * i)
            w.writerow([f"audio/c{i}.wav", "set a timer", "s", "s", "d", "e", "src", "0.8", split, 1] + [0] * 12)
    tone(tmp_path / "real" / "r0.wav", 0.6, 440)
    tone(tmp_path / "real" / "r1.flac", 0.5, 500, lead_s=1.0)
    (tmp_path / "list.txt").write_text("real/r0.wav\n")
    base = ["--heads", str(tmp_path / "heads.pt"), "--encoder", str(ENCODER), "--stem", str(tmp_path / "stem.st"),
            "--threads", "1"]
    return tmp_path, base


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_labelled_and_unlabelled_rows_get_teacher_scores(setup):
    tmp, base = setup
    (tmp / "elsewhere").mkdir()
    out = tmp / "elsewhere" / "taught.csv"
    teacher.main([str(tmp / "labels.csv"), str(out), "--audio-dir", str(tmp / "real"),
                  "--audio-list", str(tmp / "list.txt")] + base)
    rows = read_rows(out)
    assert len(rows) == 2 + 2 + 1
    scored = [r for r in rows if r["teacher_isInteresting"]]
    assert len(scored) == 4  # the train row and the three unlabelled files; the test row is left alone
    assert rows[1]["split"] == "test" and not rows[1]["teacher_isInteresting"]
    # Relative paths still name the same files from the output's folder.
    assert (out.parent / rows[0]["audio_path"]).resolve() == (tmp / "audio" / "c0.wav").resolve()
    for r in rows[2:]:
        assert r["split"] == "train" and all(r[h] == "" for h in HEAD_COLUMNS)
        assert Path(r["audio_path"]).is_absolute() and Path(r["audio_path"]).exists()
        v = np.array([float(r["teacher_" + h]) for h in HEAD_COLUMNS])
        assert np.all((v >= 0) & (v <= 1))
    # The same clip listed twice scores the same, and differs from another clip.
    same = [r for r in rows[2:] if r["audio_path"].endswith("r0.wav")]
    assert len(same) == 2 and same[0]["teacher_isInteresting"] == same[1]["teacher_isInteresting"]
    other = next(r for r in rows[2:] if r["audio_path"].endswith("r1.flac"))
    assert other["teacher_isInteresting"] != same[0]["teacher_isInteresting"]


def test_trim_hears_the_speech_span(setup):
    tmp, base = setup
    teacher.main([str(tmp / "labels.csv"), str(tmp / "plain.csv"), "--audio-dir", str(tmp / "real")] + base)
    teacher.main([str(tmp / "labels.csv"), str(tmp / "trim.csv"), "--audio-dir", str(tmp / "real"), "--trim"]
                 + base)
    plain = {Path(r["audio_path"]).name: r for r in read_rows(tmp / "plain.csv")}
    trim = {Path(r["audio_path"]).name: r for r in read_rows(tmp / "trim.csv")}
    # r1 has 1 s of near-silence before its tone: the span leaves most of it out.
    assert plain["r1.flac"]["teacher_isInteresting"] != trim["r1.flac"]["teacher_isInteresting"]


def test_bad_input_is_named(setup):
    tmp, base = setup
    (tmp / "bad.txt").write_text("real/r0.wav\nreal/missing.wav\n")
    with pytest.raises(SystemExit, match=r"bad.txt:2: real/missing.wav: no such file"):
        teacher.main([str(tmp / "labels.csv"), str(tmp / "x.csv"), "--audio-list", str(tmp / "bad.txt")] + base)
    with pytest.raises(SystemExit, match="not a folder"):
        teacher.main([str(tmp / "labels.csv"), str(tmp / "x.csv"), "--audio-dir", str(tmp / "nope")] + base)
    assert not (tmp / "x.csv").exists()


def test_a_package_teaches_with_the_engines_scores(setup):
    # A committed test package: each scored row holds what the engine gives for that file,
    # to the CSV's 6 decimals.
    tmp, _ = setup
    package = REPO / "data" / "fixtures" / "tiny-random"
    out = tmp / "taught.csv"
    teacher.main([str(tmp / "labels.csv"), str(out), "--package", str(package), "--audio-dir", str(tmp / "real"),
                  "--threads", "2"])  # two engines, clips in parallel
    engine = inherent.Engine(str(package))
    rows = [r for r in read_rows(out) if r["teacher_isInteresting"]]
    assert len(rows) == 3  # the train row and the two unlabelled files
    for r in rows:
        path = Path(r["audio_path"]) if Path(r["audio_path"]).is_absolute() else tmp / r["audio_path"]
        want = np.asarray(engine.score_file(str(path)))
        got = np.array([float(r["teacher_" + h]) for h in HEAD_COLUMNS])
        np.testing.assert_allclose(got, want, atol=5e-7, err_msg=r["audio_path"])
    # A killed run resumes from OUT.scores.jsonl: what is there is not scored again.
    log = Path(str(out) + ".scores.jsonl")
    lines = log.read_text().splitlines()
    assert len(lines) == 1 + 3 and "package" in lines[0]
    first = json.loads(lines[1])
    log.write_text("\n".join([lines[0], json.dumps({**first, "scores": [0.5] * 13}), '{"path": "cut sh']) + "\n")
    teacher.main([str(tmp / "labels.csv"), str(out), "--package", str(package), "--audio-dir", str(tmp / "real"),
                  "--threads", "2"])
    again = {str(Path(r["audio_path"]) if Path(r["audio_path"]).is_absolute() else
                 Path(os.path.normpath(tmp / r["audio_path"]))): r for r in read_rows(out)}
    assert again[first["path"]]["teacher_isInteresting"] == "0.500000"
    assert len(log.read_text().splitlines()) == 1 + 1 + 1 + 2  # the cut line stays; two clips scored again
    with pytest.raises(SystemExit) as refused:  # --trim is the head designs' option: a usage error
        teacher.main([str(tmp / "labels.csv"), str(tmp / "y.csv"), "--package", str(package), "--trim"])
    assert refused.value.code == 2 and not (tmp / "y.csv").exists()


def test_teacher_features_are_the_pooled_encoder_output(setup):
    tmp, _ = setup
    args = ["--encoder", str(ENCODER), "--stem", str(tmp / "stem.st"), "-q"]
    out = tmp / "with-features.csv"
    teacher_features.main([str(tmp / "labels.csv"), str(out), "--dir", str(tmp / "feats")] + args)
    rows = read_rows(out)
    assert [bool(r["teacher_features"]) for r in rows] == [True, False]  # train rows only by default
    teacher_features.main([str(tmp / "labels.csv"), str(out), "--dir", str(tmp / "feats"), "--splits", "train,test"]
                          + args)
    rows = read_rows(out)
    backbone = features.Backbone(str(ENCODER), str(tmp / "stem.st"))
    frontend = inherent.AudioFrontend(max_frames=0)
    got = []
    for r in rows:
        v = np.load(r["teacher_features"])
        assert v.dtype == np.float32 and v.shape == (32,)
        mel = frontend.audio_to_mel(inherent.load_audio(str(tmp / r["audio_path"])))
        with torch.no_grad():
            want = backbone(torch.from_numpy(mel)[None])[0].double().mean(dim=0).numpy()
        np.testing.assert_allclose(v, want, atol=1e-5)
        got.append(v)
    assert np.abs(got[0] - got[1]).max() > 1e-3  # different clips, different vectors
    # Two processes write the same vectors.
    teacher_features.main([str(tmp / "labels.csv"), str(tmp / "j2.csv"), "--dir", str(tmp / "feats-j2"),
                           "--splits", "train,test", "-j", "2"] + args)
    for r, v in zip(read_rows(tmp / "j2.csv"), got):
        assert Path(r["teacher_features"]).parent == tmp / "feats-j2"
        np.testing.assert_array_equal(np.load(r["teacher_features"]), v)
    # A second run reuses the files (same paths, untouched).
    stamp = Path(rows[0]["teacher_features"]).stat().st_mtime_ns
    teacher_features.main([str(tmp / "labels.csv"), str(tmp / "again.csv"), "--dir", str(tmp / "feats"),
                           "--splits", "train,test"] + args)
    assert read_rows(tmp / "again.csv") == rows
    assert Path(rows[0]["teacher_features"]).stat().st_mtime_ns == stamp
    # Bad input is named and writes no CSV.
    (tmp / "bad.csv").write_text((tmp / "labels.csv").read_text().replace("audio/c0.wav", "audio/missing.wav"))
    with pytest.raises(SystemExit, match=r"bad.csv:2: audio/missing.wav"):
        teacher_features.main([str(tmp / "bad.csv"), str(tmp / "x.csv"), "--dir", str(tmp / "f")] + args)
    with pytest.raises(SystemExit, match="already has teacher_features"):
        teacher_features.main([str(out), str(tmp / "x.csv"), "--dir", str(tmp / "f")] + args)
    with pytest.raises(SystemExit, match="--stem nowhere.st: no such file"):
        teacher_features.main([str(tmp / "labels.csv"), str(tmp / "x.csv"), "--dir", str(tmp / "f"),
                               "--encoder", str(ENCODER), "--stem", "nowhere.st"])
    assert not (tmp / "x.csv").exists()
    # The folder's files belong to the weights that made them: other weights are refused.
    other = tmp / "other-stem.st"
    other.write_bytes((tmp / "stem.st").read_bytes() + b" ")
    with pytest.raises(SystemExit, match="from another encoder or stem"):
        teacher_features.main([str(tmp / "labels.csv"), str(tmp / "x.csv"), "--dir", str(tmp / "feats"),
                               "--encoder", str(ENCODER), "--stem", str(other)])
    assert not (tmp / "x.csv").exists()


def test_the_stem_reads_from_a_backbone_parts_file(setup):
    """A parts file (data/models/backbone/parts.safetensors' layout: `bridge.` and `stem.`
    tensors among the heads') gives the same backbone as the fitted stem file."""
    tmp, _ = setup
    stem = safetensors_torch.load_file(str(tmp / "stem.st"))
    torch.manual_seed(1)
    parts = {"bridge.matrix": stem.pop("matrix"), "bridge.floor": torch.tensor([-6.5]),
             "heads.bias": torch.zeros(13)}
    parts.update({"stem." + k: v + 0.01 * torch.randn_like(v) for k, v in stem.items()})
    safetensors_torch.save_file(parts, str(tmp / "parts.st"))
    from_parts = features.Backbone(str(ENCODER), str(tmp / "parts.st"))
    assert from_parts.stem.floor == -6.5
    for k, v in parts.items():
        if k.startswith("stem."):
            assert torch.equal(from_parts.stem.state_dict()[k.removeprefix("stem.")], v)
    assert torch.equal(from_parts.stem.matrix, parts["bridge.matrix"])
