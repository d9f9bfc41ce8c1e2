# SPDX-License-Identifier: Apache-2.0
"""The native engine from Python (inherent.Engine / inherent.Stream) against the float64
numpy forward of reference_model.py, which is written from arch.h's contract and shares
no code with the engine.

Packages are written here in Python from docs/model-format.md (weights with the
minimal safetensors writer, metadata as a dict), so the documented format is enough to
make a package the engine accepts. The committed fixture data/fixtures/tiny-random ties
the three implementations together: its expected.json holds the C++ float64 reference's
logits, which the numpy forward must reproduce to 1e-9 and the engine to 1e-5.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import inherent
import reference_model as ref
from conftest import EXAMPLE_WAVS, REPO, speech_like

FIXTURE = REPO / "data" / "fixtures" / "tiny-random"
BAD_FIXTURE = REPO / "data" / "fixtures" / "tiny-bad-frontend"
SCORE_TOL = 1e-5  # engine (float32) vs numpy (float64), max |score diff|
KERNELS = ["auto", "generic", "avx2", "avx512", "avx512vnni"]
SHIPPED = REPO / "data" / "models" / "small" / "native"


def metadata(config: dict, thresholds: dict | None = None, **extra) -> dict:
    """inherent.metadata.json as docs/model-format.md specifies it."""
    t = dict(inherent.DEFAULT_THRESHOLDS)
    t.update(thresholds or {})
    meta = {
        "format": "inherent.model",
        "format_version": 1,
        "model_version": "0.0.1",
        "model_name": "python-written",
        "config": config,
        "head_order": list(inherent.HEAD_ORDER),
        "threshold_keys": list(inherent.THRESHOLD_KEYS),
        "default_thresholds": t,
        "frontend": {"sample_rate": 16000, "n_mels": 128, "win_length": 400, "hop_length": 320, "n_fft": 1024,
                     "window": "hann_symmetric", "f_min": 20.0, "f_max": 8000.0, "mel_scale": "htk",
                     "power_scale": "1/n_fft", "log": "ln", "log_floor": 1e-8, "max_frames": 3000},
        "feature_normalization": {"mean": "mel_norm.mean", "std": "mel_norm.std", "applied_to": "valid_frames"},
        "training_hash": {"code_commit": "none", "data_manifest": "none"},
    }
    meta.update(extra)
    return meta


def write_package(path: Path, weights: dict, config: dict, thresholds: dict | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    ref.write_safetensors(path / "model.safetensors", weights)
    (path / "inherent.metadata.json").write_text(json.dumps(metadata(config, thresholds), indent=2))
    return path


def kernel_engines(package) -> list[inherent.Engine]:
    engines = []
    for k in KERNELS:
        try:
            engines.append(inherent.Engine(package, kernels=k))
        except RuntimeError as e:
            assert e.status == "unsupported", e
    return engines


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    config = ref.CONFIGS["small"]
    weights = ref.random_weights(config, seed=5)
    path = write_package(tmp_path_factory.mktemp("small") / "pkg", weights, config)
    return path, weights, config


@pytest.fixture(scope="module")
def example_mels():
    fe = inherent.AudioFrontend()
    return {p.name: fe.wav_to_mel(p) for p in EXAMPLE_WAVS}


# ---- the committed fixture: C++ reference == numpy reference == engine -----------------

def test_fixture_numpy_reproduces_the_cpp_reference():
    weights, _ = ref.read_safetensors(FIXTURE / "model.safetensors")
    meta = json.loads((FIXTURE / "inherent.metadata.json").read_text())
    expected = json.loads((FIXTURE / "expected.json").read_text())
    mel = np.load(FIXTURE / expected["input"])
    logits = ref.forward_one(weights, meta["config"], mel)
    np.testing.assert_allclose(logits, expected["logits"], rtol=0, atol=1e-9)


def test_fixture_engine_matches_every_kernel_set():
    expected = json.loads((FIXTURE / "expected.json").read_text())
    mel = np.load(FIXTURE / expected["input"])
    engines = kernel_engines(FIXTURE)
    assert any(e.kernels == "generic" for e in engines)
    for engine in engines:
        np.testing.assert_allclose(engine.score_mel(mel), expected["scores"], rtol=0, atol=SCORE_TOL,
                                   err_msg=engine.kernels)


# ---- a small model written in Python ---------------------------------------------------

def test_small_matches_numpy_on_real_audio(small, example_mels):
    path, weights, config = small
    worst = 0.0
    for engine in kernel_engines(path):
        for name, mel in example_mels.items():
            want = ref.scores(weights, config, mel)
            got = engine.score_mel(mel)
            worst = max(worst, float(np.max(np.abs(got - want))))
            np.testing.assert_allclose(got, want, rtol=0, atol=SCORE_TOL, err_msg=f"{engine.kernels} {name}")
    print(f"small, {len(example_mels)} clips: max |engine - numpy float64| = {worst:.2e}")


@pytest.mark.skipif(not (SHIPPED / "model.safetensors").exists(), reason="no shipped small model")
def test_int8_precision_on_the_shipped_model(example_mels):
    """The shipped model is snapped to the int8 grid, so int8 precision only rounds the
    activations (13 bits): within the int8 parity gate of the exports, by a wide margin."""
    weights, _ = ref.read_safetensors(SHIPPED / "model.safetensors")
    config = json.loads((SHIPPED / "inherent.metadata.json").read_text())["config"]
    diffs = []
    for k in KERNELS:
        try:
            engine = inherent.Engine(SHIPPED, kernels=k, precision="int8")
        except RuntimeError as e:
            assert e.status == "unsupported", e
            continue
        assert engine.precision == "int8"
        for mel in example_mels.values():
            diffs.append(np.abs(engine.score_mel(mel) - ref.scores(weights, config, mel)))
    d = np.stack(diffs)
    print(f"shipped small, int8: max {d.max():.2e}, mean {d.mean():.2e}")
    assert d.max() <= 5e-3 and d.mean() <= 5e-4
    assert d.max() > 1e-6, "int8 should not be bit-identical to float32"
    assert inherent.Engine(SHIPPED).precision == "float32"
    with pytest.raises(ValueError, match="precision"):
        inherent.Engine(SHIPPED, precision="int4")


def test_padding_to_60_s_changes_nothing(small, example_mels):
    path, weights, config = small
    engine = inherent.Engine(path)
    mel = next(iter(example_mels.values()))
    padded = np.zeros((inherent.MAX_FRAMES, inherent.N_MELS), np.float32)
    padded[: len(mel)] = mel
    np.testing.assert_array_equal(engine.score_mel(padded), engine.score_mel(mel))
    # The numpy forward computes every padded step and agrees too: the contract is
    # padding invariant, not just the engine's shortcut.
    np.testing.assert_allclose(ref.scores(weights, config, padded), ref.scores(weights, config, mel), atol=1e-9)


def test_batches_of_padded_clips_score_as_alone(small, example_mels):
    engine = inherent.Engine(small[0])
    mels = list(example_mels.values())[:4]
    t = max(len(m) for m in mels) + 7
    batch = np.zeros((len(mels), t, inherent.N_MELS), np.float32)
    for i, m in enumerate(mels):
        batch[i, : len(m)] = m
    out = engine.score_mel(batch)
    assert out.shape == (len(mels), 13) and out.dtype == np.float32
    for i, m in enumerate(mels):
        np.testing.assert_array_equal(out[i], engine.score_mel(m))


def test_audio_file_and_mel_paths_agree(small):
    engine = inherent.Engine(small[0])
    wav = EXAMPLE_WAVS[0]
    by_file = engine.score_file(wav)
    np.testing.assert_array_equal(by_file, engine.score_audio(inherent.load_audio(wav)))
    np.testing.assert_array_equal(by_file, engine.score_mel(inherent.AudioFrontend().wav_to_mel(wav)))
    # Other rates and channel layouts go through the resampler, as in the frontend.
    x = speech_like(1.5)
    stereo8k = np.stack([x[::2], x[::2]], axis=1)
    np.testing.assert_array_equal(engine.score_audio(stereo8k, sample_rate=8000),
                                  engine.score_mel(inherent.AudioFrontend().audio_to_mel(stereo8k, 8000)))


def test_single_buffer_and_bytes_forms(small, tmp_path):
    path, weights, config = small
    text = json.dumps(metadata(config))
    single = tmp_path / "single.inherent"
    ref.write_safetensors(single, weights, {"inherent.metadata.json": text})
    mel = speech_like(2.0)
    want = inherent.Engine(path).score_audio(mel)
    np.testing.assert_array_equal(inherent.Engine(single).score_audio(mel), want)
    np.testing.assert_array_equal(inherent.Engine.from_bytes(single.read_bytes()).score_audio(mel), want)
    blob = (path / "model.safetensors").read_bytes()
    np.testing.assert_array_equal(inherent.Engine.from_bytes(blob, text).score_audio(mel), want)
    np.testing.assert_array_equal(inherent.Engine.from_bytes(blob, text.encode()).score_audio(mel), want)


def test_engine_properties(small):
    engine = inherent.Engine(small[0])
    assert engine.version == "0.0.1"
    assert engine.n_params == 1_630_990
    assert engine.thresholds == inherent.DEFAULT_THRESHOLDS
    assert json.loads(engine.metadata_json)["model_name"] == "python-written"
    assert engine.kernels in ("avx512vnni", "avx512", "avx2", "generic")


def test_decisions_use_package_thresholds_and_the_gate(small, tmp_path):
    _, weights, config = small
    closed = inherent.Engine(write_package(tmp_path / "closed", weights, config,
                                           {k: (1.0 if k == "is_interesting" else 0.0) for k in inherent.THRESHOLD_KEYS}))
    scores = closed.score_audio(speech_like(1.0))
    assert closed.decide(scores) == []  # every intent passes, but the gate is shut
    open_ = inherent.Engine(write_package(tmp_path / "open", weights, config,
                                          {k: 0.0 for k in inherent.THRESHOLD_KEYS}))
    assert open_.decide(scores) == list(inherent.HEAD_ORDER)
    assert open_.thresholds["is_interesting"] == 0.0


# ---- streams ---------------------------------------------------------------------------

def test_stream_equals_score_mel_on_each_window(small):
    engine = inherent.Engine(small[0])
    audio = inherent.load_audio(EXAMPLE_WAVS[1])
    mel = inherent.AudioFrontend(max_frames=0).audio_to_mel(audio)
    stream = inherent.Stream(engine, window_ms=1000, hop_ms=100)
    results = []
    for at in range(0, len(audio), 1234):
        stream.accept(audio[at:at + 1234])
        results += stream.results()
    stream.input_finished()
    results += stream.results()
    assert len(results) == int(np.ceil(len(mel) / 5))
    for r in results:
        a, b = round(r.start_s / 0.02), round(r.end_s / 0.02)
        assert b - a == min(50, b)
        np.testing.assert_array_equal(r.scores, engine.score_mel(mel[a:b]))
        assert r.fired == engine.decide(r.scores)
        assert r.skipped == 0
    assert round(results[-1].end_s / 0.02) == len(mel)


def test_stream_int16_input_reset_and_errors(small):
    engine = inherent.Engine(small[0])
    pcm = (speech_like(1.0) * 32767).astype(np.int16)
    stream = inherent.Stream(engine, smoothing=3, hysteresis=0.05)
    stream.accept(pcm)
    first = stream.results()
    assert len(first) == 9 and stream.ready == 0
    stream.reset()
    stream.accept(pcm.astype(np.float32) / 32768)
    again = stream.results()
    np.testing.assert_array_equal(first[-1].scores, again[-1].scores)
    np.testing.assert_allclose(again[2].smoothed, np.mean([r.scores for r in again[:3]], axis=0), atol=1e-6)
    stream.input_finished()
    with pytest.raises(RuntimeError, match="input already finished"):
        stream.accept(pcm)
    with pytest.raises(ValueError, match="window_ms = 30"):
        inherent.Stream(engine, window_ms=30)
    with pytest.raises(ValueError, match="1-D"):
        inherent.Stream(engine).accept(np.zeros((10, 2), np.float32))


# ---- bad packages and bad input --------------------------------------------------------

def test_bad_packages_name_the_key(tmp_path, small):
    with pytest.raises(RuntimeError, match="frontend.hop_length: is 160") as e:
        inherent.Engine(BAD_FIXTURE)
    assert e.value.status == "invalid model"
    with pytest.raises(FileNotFoundError):
        inherent.Engine(tmp_path / "missing")
    _, weights, config = small
    bad = write_package(tmp_path / "bad", weights, config)
    meta = json.loads((bad / "inherent.metadata.json").read_text())
    meta["head_order"][1], meta["head_order"][2] = meta["head_order"][2], meta["head_order"][1]
    (bad / "inherent.metadata.json").write_text(json.dumps(meta))
    with pytest.raises(RuntimeError, match=r"head_order\[1\]: is \"hasTermSearchQuery\""):
        inherent.Engine(bad)
    missing_tensor = dict(weights)
    del missing_tensor["blocks.2.conv.depthwise.bias"]
    with pytest.raises(RuntimeError, match="blocks.2.conv.depthwise.bias"):
        inherent.Engine(write_package(tmp_path / "missing-tensor", missing_tensor, config))
    with pytest.raises(RuntimeError, match="no metadata given and none embedded"):
        inherent.Engine.from_bytes((bad / "model.safetensors").read_bytes())
    with pytest.raises(ValueError, match="kernels must be one of"):
        inherent.Engine(FIXTURE, kernels="sse9")


def test_bad_input_is_rejected():
    engine = inherent.Engine(FIXTURE)
    with pytest.raises(ValueError, match=r"shape \(T, 128\)"):
        engine.score_mel(np.zeros((10, 80), np.float32))
    # All padding is nothing to score: 0 on every head, not an error (minimum evidence).
    assert np.all(engine.score_mel(np.zeros((10, 128), np.float32)) == 0)
    with pytest.raises(ValueError, match="every frame is padding"):
        inherent.Engine(FIXTURE, min_voiced_ms=0).score_mel(np.zeros((10, 128), np.float32))
    with pytest.raises(TypeError, match="complex"):
        engine.score_mel(np.full((10, 128), -5.0, np.complex64))
    with pytest.raises(TypeError, match="dtype bool"):
        engine.score_mel(np.ones((10, 128), bool))
    with pytest.raises(TypeError, match="dtype object"):
        engine.score_mel(np.array([[object()] * 128] * 10, dtype=object))
    mel = np.full((10, 128), -5.0, np.float32)
    mel[3, 7] = np.nan
    with pytest.raises(ValueError, match=r"mel\[3, 7\] is NaN"):
        engine.score_mel(mel)
    with pytest.raises(ValueError, match="n_frames is 0"):
        engine.score_mel(np.zeros((0, 128), np.float32))
    with pytest.raises(ValueError, match=r"shape \(13,\)"):
        engine.decide(np.zeros(12))


def test_threads_give_the_same_scores(small, example_mels):
    path = small[0]
    mel = np.concatenate(list(example_mels.values()))[:1500]  # 30 s: enough work to split
    want = inherent.Engine(path).score_mel(mel)
    np.testing.assert_array_equal(inherent.Engine(path, n_threads=3).score_mel(mel), want)
    with pytest.raises(ValueError, match="n_threads = 0"):
        inherent.Engine(path, n_threads=0)


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros(0, np.float32),  # an empty buffer
        np.array([0.5], np.float32),  # one sample
        np.full(160, 0.3, np.float32),  # 10 ms
        np.zeros(11200, np.float32),  # 0.7 s of digital silence
        np.zeros(0, np.int16),  # empty integer PCM
    ],
    ids=["empty", "one-sample", "10ms", "silence-0.7s", "empty-int16"],
)
def test_nothing_fires_on_empty_or_silent_audio(audio):
    # The minimum-evidence rule of the C ABI, seen from Python: every score 0, no head fires.
    engine = inherent.Engine(FIXTURE)
    scores = engine.score_audio(audio)
    assert scores.shape == (13,) and np.all(scores == 0)
    assert engine.decide(scores) == []
    assert engine.voiced_frames < 10


def test_streams_stay_quiet_on_nothing():
    engine = inherent.Engine(FIXTURE)
    stream = inherent.Stream(engine)
    stream.input_finished()
    assert stream.ready == 0 and stream.results() == []
    stream = inherent.Stream(engine)
    stream.accept(np.zeros(16000, np.float32))
    stream.input_finished()
    results = stream.results()
    assert results and all(np.all(r.scores == 0) and r.fired == [] for r in results)
    # Loud input still reaches the model, and the rule can be turned off.
    rng = np.random.default_rng(0)
    loud = (0.1 * rng.standard_normal(16000)).astype(np.float32)
    assert np.any(engine.score_audio(loud) != 0) and engine.voiced_frames >= 49
    assert np.any(inherent.Engine(FIXTURE, min_voiced_ms=0).score_audio(np.array([0.5], np.float32)) != 0)


# ---- the speech span (docs/engine.md, "Speech span") ------------------------------------


def speech_span_reference(mel: np.ndarray) -> tuple[int, int]:
    """The rule as docs/engine.md states it, in float64 numpy."""
    n = len(mel)
    while n > 0 and not mel[n - 1].any():
        n -= 1
    if n < 3:
        return 0, n
    lo, hi = 2595 * np.log10(1 + 20 / 700), 2595 * np.log10(1 + 8000 / 700)
    centres = 700 * (10 ** ((lo + (hi - lo) * np.arange(1, 129) / 129) / 2595) - 1)
    band = (centres >= 250) & (centres <= 4000)
    power = np.exp(mel[:n, band].astype(np.float64)).sum(axis=1)
    padded = np.concatenate([[np.nan], power, [np.nan]])
    smooth = np.nanmean(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    db = 10 * np.log10(smooth + 1e-30)
    s = np.sort(db)
    floor, loud = s[(n - 1) // 10], s[n - max(1, n // 10):].mean()
    if loud - floor < 6:
        return 0, n
    active = np.flatnonzero(db >= max(floor + 0.5 * (loud - floor), loud - 40))
    return max(0, int(active[0]) - 12), min(n, int(active[-1]) + 13)


@pytest.mark.parametrize("snr_db", [10.0, 30.0])
def test_speech_span_matches_a_float64_reference(snr_db):
    fe = inherent.AudioFrontend(max_frames=0)
    rng = np.random.default_rng(int(snr_db))
    spans = []
    for i, path in enumerate(EXAMPLE_WAVS + [None]):
        x = inherent.load_audio(path) if path else speech_like(2.0, seed=i)
        level = np.sqrt(np.mean(x ** 2))
        lead, trail = rng.uniform(0.5, 3.0, size=2)
        out = rng.standard_normal(int((lead + trail) * 16000) + len(x)).astype(np.float32)
        out *= level * 10 ** (-snr_db / 20)
        out[int(lead * 16000):int(lead * 16000) + len(x)] += x
        mel = fe.audio_to_mel(out)
        got, want = inherent.mel_speech_span(mel), speech_span_reference(mel)
        # float32 sums may put a frame at the threshold on the other side.
        assert abs(got[0] - want[0]) <= 1 and abs(got[1] - want[1]) <= 1, (path, got, want)
        spans.append((got, lead))
    # The noise before the words is (mostly) left out.
    assert sum(start * 0.02 > lead - 0.5 for (start, _), lead in spans) >= len(spans) - 1


def test_a_trimming_engine_scores_exactly_the_span(small, example_mels):
    path, _, _ = small
    trim, plain = inherent.Engine(path, trim_to_speech=True), inherent.Engine(path)
    for mel in example_mels.values():
        framed = np.concatenate([np.full((150, 128), -14.0, np.float32), mel, np.full((100, 128), -14.0, np.float32)])
        start, end = inherent.mel_speech_span(framed)
        assert start > 0 and end < len(framed)
        np.testing.assert_array_equal(trim.score_mel(framed), plain.score_mel(framed[start:end]))
    with pytest.raises(ValueError, match="shape"):
        inherent.mel_speech_span(np.zeros((4, 80), np.float32))


def test_the_models_metadata_picks_speech_span_scoring(small, example_mels):
    path, _, _ = small
    weights = (path / "model.safetensors").read_bytes()
    meta = json.loads((path / "inherent.metadata.json").read_text())
    meta["scoring"] = {"trim_to_speech": True}
    says_trim = inherent.Engine.from_bytes(weights, json.dumps(meta))
    plain, trim = inherent.Engine(path), inherent.Engine(path, trim_to_speech=True)
    overridden = inherent.Engine.from_bytes(weights, json.dumps(meta), trim_to_speech=False)
    mel = next(iter(example_mels.values()))
    framed = np.concatenate([np.full((150, 128), -14.0, np.float32), mel, np.full((100, 128), -14.0, np.float32)])
    np.testing.assert_array_equal(says_trim.score_mel(framed), trim.score_mel(framed))
    np.testing.assert_array_equal(overridden.score_mel(framed), plain.score_mel(framed))
    assert not np.array_equal(says_trim.score_mel(framed), plain.score_mel(framed))
    meta["scoring"] = {"trim_to_speech": "yes"}
    with pytest.raises(RuntimeError, match="scoring.trim_to_speech: must be a boolean"):
        inherent.Engine.from_bytes(weights, json.dumps(meta))
