# SPDX-License-Identifier: Apache-2.0
"""The backbone's head designs, framing transforms and text helpers (src/backbone), on
random inputs: no weights, no corpus."""
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src" / "backbone"))
import designs  # noqa: E402
import framing  # noqa: E402
import text  # noqa: E402


@pytest.mark.parametrize("make", [designs.PooledHeads, designs.CtcHeads], ids=["pooled", "ctc"])
def test_a_clip_scores_the_same_alone_and_padded_in_a_batch(make):
    torch.manual_seed(0)
    model = make().eval()
    lengths = [37, 12, 50]
    x = torch.randn(len(lengths), max(lengths), 384)
    mask = torch.zeros(len(lengths), max(lengths), dtype=torch.bool)
    for b, n in enumerate(lengths):
        mask[b, :n] = True
        x[b, n:] = 1e3  # whatever sits in the padding must not matter
    with torch.no_grad():
        batch = model(x, mask)["logits"]
        for b, n in enumerate(lengths):
            alone = model(x[b:b + 1, :n], mask[b:b + 1, :n])["logits"][0]
            assert torch.max(torch.abs(batch[b] - alone)).item() < 1e-5


def test_ctc_heads_see_only_the_posteriors_when_detached():
    torch.manual_seed(0)
    model = designs.CtcHeads(detach=True)
    x, mask = torch.randn(2, 20, 384), torch.ones(2, 20, dtype=torch.bool)
    model(x, mask)["logits"].sum().backward()
    assert model.ctc_hidden.weight.grad is None or torch.all(model.ctc_hidden.weight.grad == 0)
    assert model.pool.weight.grad is not None and torch.any(model.pool.weight.grad != 0)


def test_ctc_targets_and_greedy_decoding():
    assert text.spoken_text("Set a timer for 25 min, at 3:45!") == "set a timer for twenty five min at three forty five"
    assert text.number_words(1999) == "one thousand nine hundred ninety nine"
    assert text.number_words(12345) == "one two three four five"
    ids = designs.encode_text("it's 2")
    assert [designs.CHARS[i - 1] for i in ids] == list("it's two")
    # blank, repeats collapse, a blank separates a doubled letter
    i, t, space = (designs.CHARS.index(c) + 1 for c in "it ")
    path = [0, i, i, 0, t, t, 0, t, space, space]  # _ i i _ t t _ t ' ' ' '
    log_probs = torch.full((len(path), designs.N_CLASSES), -10.0)
    log_probs[torch.arange(len(path)), torch.tensor(path)] = 0.0
    assert designs.greedy_decode(log_probs, len(path)) == "itt"


def test_word_error_rate_counts_edits_over_reference_words():
    assert text.word_error_rate(["a b c d"], ["a x c"]) == pytest.approx(2 / 4)
    assert text.word_error_rate(["a b", "c"], ["a b", "c"]) == 0


def test_room_framing_keeps_the_words_and_sets_the_noise_level():
    rng = np.random.default_rng(0)
    sr = framing.SR
    t = np.arange(sr) / sr
    clip = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    noises = [rng.standard_normal(5 * sr).astype(np.float32)]
    out = framing.room_framing(clip, 1.0, 0.5, 20.0, noises, "train", np.random.default_rng(1))
    assert len(out) == int(2.5 * sr)
    lead = out[: sr]
    level = framing.loud_rms(clip)
    snr = 20 * np.log10(level / np.sqrt(np.mean(lead ** 2)))
    assert abs(snr - 20.0) < 0.5
    # Under the words the same bed runs: the clip is there, 20 dB above the noise.
    under = out[sr:2 * sr] - clip
    assert abs(20 * np.log10(level / np.sqrt(np.mean(under ** 2))) - 20.0) < 0.5


def test_noise_halves_never_overlap():
    x = np.arange(100, dtype=np.float32)
    train, probe = framing.noise_part(x, "train"), framing.noise_part(x, "probe")
    assert len(train) + len(probe) == len(x) and train[-1] < probe[0]


def test_join_word_peak_matches_and_leaves_the_gap():
    sentence = np.full(1000, 0.5, dtype=np.float32)
    word = np.full(300, 0.1, dtype=np.float32)
    out = framing.join_word(sentence, word, first=True, gap_s=0.01)
    assert len(out) == 300 + 160 + 1000
    assert np.allclose(out[:300], 0.5) and np.all(out[300:460] == 0)


@pytest.mark.parametrize("snr_db", [10.0, 25.0, 40.0])
def test_trim_to_speech_undoes_room_framing_within_the_margin(snr_db):
    inherent = pytest.importorskip("inherent")
    sr = framing.SR
    t = np.arange(int(1.5 * sr)) / sr
    # Two "syllables" (a 200 Hz voice with harmonics to 3 kHz) with a pause between.
    voice = sum(np.sin(2 * np.pi * 200 * k * t) / k for k in range(1, 16))
    clip = (0.1 * voice * ((t % 0.75) < 0.5)).astype(np.float32)
    noises = [np.random.default_rng(3).standard_normal(20 * sr).astype(np.float32)]
    out = framing.room_framing(clip, 4.0, 2.5, snr_db, noises, "probe", np.random.default_rng(2))
    start, end = inherent.mel_speech_span(inherent.AudioFrontend(max_frames=0).audio_to_mel(out))
    # The words span frames 200-262 (4.0 s to 5.25 s; the last pause is silence); the
    # margin is 12 frames each side. A frame's 25 ms window and the 3-frame smoothing
    # may add one frame.
    assert 186 <= start <= 188 and 274 <= end <= 277
    trimmed = framing.trim_to_speech(out)
    assert len(trimmed) == (end - 1 - start) * 320 + 400
    assert np.array_equal(trimmed, out[start * 320:start * 320 + len(trimmed)])


def test_trim_to_speech_keeps_silence_and_steady_noise_whole():
    inherent = pytest.importorskip("inherent")
    sr = framing.SR
    hiss = (0.01 * np.random.default_rng(0).standard_normal(2 * sr)).astype(np.float32)
    for x in (np.zeros(2 * sr, np.float32), hiss):
        mel = inherent.AudioFrontend(max_frames=0).audio_to_mel(x)
        assert inherent.mel_speech_span(mel) == (0, len(mel))
        assert len(framing.trim_to_speech(x)) == len(x)


def test_trained_top_blocks_package_as_the_model_that_was_trained(tmp_path, monkeypatch):
    """D1 with Whisper's top block trained (designs.TopBlocksHeads, on a random encoder of
    Whisper's layout): starts equal to D1 on the frozen features; packaged by package.py,
    its float64 reference equals the trained model; split into the model's own tensors
    (the trained block and final LayerNorm, the stem and heads: not Whisper's first block
    or positions) and assembled again, it is the same weights file."""
    import safetensors
    import safetensors.torch

    import importlib.util

    import features
    import package
    import whisper_encoder
    import whisper_weights

    spec = importlib.util.spec_from_file_location("whisper_random", REPO / "tests/data/whisper-random/make.py")
    whisper_random = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(whisper_random)
    encoder_path = tmp_path / "encoder.safetensors"
    whisper_weights.write_safetensors(
        str(encoder_path), whisper_random.random_encoder(np.random.default_rng(4), 32, 128, 2, package.POSITIONS, 16),
        {"format": "inherent-whisper-encoder/1", "num_heads": "4", "name": "random test encoder",
         "licence": "Apache-2.0"})
    enc = whisper_encoder.load_encoder(str(encoder_path))[0]
    d, mels = enc.t["conv1.weight"].shape[0], 128
    torch.manual_seed(1)
    stem = {"matrix": torch.rand(enc.t["conv1.weight"].shape[1], mels) * 0.05,
            "conv1.weight": torch.randn_like(enc.t["conv1.weight"]) * 0.2, "conv1.bias": torch.zeros(d),
            "conv2.weight": torch.randn_like(enc.t["conv2.weight"]) * 0.1, "conv2.bias": torch.zeros(d)}
    stem_path = tmp_path / "stem.safetensors"
    safetensors.torch.save_file(stem, str(stem_path), metadata={"floor": "-7.19"})
    backbone = features.Backbone(str(encoder_path), str(stem_path), upto=1)
    model = designs.TopBlocksHeads(backbone.encoder, 1, dim=d, width=16).eval()
    mel = torch.from_numpy(np.clip(np.random.default_rng(2).normal(-9, 4, (60, mels)), -18.4, 3).astype(np.float32))
    with torch.no_grad():
        mid = backbone(mel[None])
        backbone.upto = None
        frozen = model.heads(backbone(mel[None]), torch.ones(1, 60, dtype=torch.bool))["logits"]
        assert torch.max(torch.abs(model(mid, torch.ones(1, 60, dtype=torch.bool))["logits"] - frozen)) < 1e-5
        for p in list(model.blocks.parameters()) + list(model.final_norm.parameters()):
            p.add_(torch.randn_like(p) * 0.05)  # as if trained
        trained = model(mid, torch.ones(1, 60, dtype=torch.bool))["logits"][0].double().numpy()
    heads, own_enc = model.package_parts()
    heads_path = tmp_path / "top1.package.pt"
    torch.save({**heads, **{"encoder." + k: v for k, v in own_enc.items()}}, heads_path)
    ref = package.reference_logits(str(encoder_path), str(stem_path), str(heads_path), mel.numpy())
    assert np.max(np.abs(ref - trained)) < 1e-4
    weights = tmp_path / "weights.safetensors"
    package.write_weights(weights, str(encoder_path), str(stem_path), str(heads_path))
    own = package.split_parts(weights, str(encoder_path), tmp_path / "parts.safetensors")
    assert "blocks.1.attn.qkv.weight" in own and "final_norm.weight" in own and "heads.proj.weight" in own
    assert "blocks.0.attn.qkv.weight" not in own and "positions" not in own
    package.assemble(tmp_path / "parts.safetensors", str(encoder_path), tmp_path / "assembled.safetensors")
    with safetensors.safe_open(str(weights), "pt") as a, \
            safetensors.safe_open(str(tmp_path / "assembled.safetensors"), "pt") as b:
        assert sorted(a.keys()) == sorted(b.keys()) and a.metadata() == b.metadata()
        assert all(torch.equal(a.get_tensor(k), b.get_tensor(k)) for k in a.keys())
    with pytest.raises(ValueError, match="not a parts file"):
        package.assemble(weights, str(encoder_path), tmp_path / "x.safetensors")
    # The command line, as `make backbone` runs it: no stem or heads file anywhere near.
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    package.main(["--assemble", str(tmp_path / "parts.safetensors"), "--encoder", str(encoder_path),
                  "-o", "cli.safetensors"])
    with safetensors.safe_open(str(weights), "pt") as a, safetensors.safe_open("cli.safetensors", "pt") as b:
        assert all(torch.equal(a.get_tensor(k), b.get_tensor(k)) for k in a.keys())
    with pytest.raises(SystemExit, match="no such file"):
        package.main(["--assemble", "nope.safetensors", "--encoder", str(encoder_path), "-o", "x.safetensors"])
    with pytest.raises(SystemExit) as two_modes:  # one mode at a time: a usage error
        package.main(["--split", str(weights), "--assemble", str(tmp_path / "parts.safetensors"), "-o", "y"])
    assert two_modes.value.code == 2 and not Path("y").exists()
