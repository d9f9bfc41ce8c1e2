# SPDX-License-Identifier: Apache-2.0
"""Audio in: files (libsndfile), arrays of any dtype and layout, resampling, mixing,
errors, and the promise that 16 kHz float32 input is read in place."""
import concurrent.futures
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

import inherent
from conftest import EXAMPLE_WAVS, SR, speech_like, white_noise

FLOOR_FRAME = inherent.AudioFrontend().audio_to_mel(np.zeros(0, np.float32))


def two_tones(rate: int, seconds: float = 2.0):
    """Stereo test signal: 440 Hz left, 1200 Hz right, and its exact mono mix."""
    t = np.arange(int(rate * seconds)) / rate
    left, right = 0.5 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 1200 * t)
    return np.stack([left, right], axis=1).astype(np.float32), (left + right) / 2


# ---------------------------------------------------------------------------------
# Files.

@pytest.mark.parametrize("path", EXAMPLE_WAVS, ids=lambda p: p.name)
def test_wav_to_mel_equals_audio_to_mel_of_decoded_samples(path):
    fe = inherent.AudioFrontend()
    samples = inherent.load_audio(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert np.array_equal(fe.wav_to_mel(path), fe.audio_to_mel(samples))
    # The same samples soundfile decodes (16 kHz mono PCM_16: no resampling involved).
    decoded, sr = sf.read(path, dtype="float32")
    assert sr == SR
    assert np.array_equal(samples, decoded)


def test_int16_array_equals_the_file():
    # Integer PCM is scaled as libsndfile scales integer files.
    path = EXAMPLE_WAVS[0]
    pcm, _ = sf.read(path, dtype="int16")
    fe = inherent.AudioFrontend()
    assert np.array_equal(fe.audio_to_mel(pcm), fe.wav_to_mel(path))


def test_48k_stereo_file_is_mixed_and_resampled(tmp_path):
    stereo, mix = two_tones(48000)
    path = tmp_path / "stereo-48k.wav"
    sf.write(path, stereo, 48000, subtype="FLOAT")
    samples = inherent.load_audio(path)
    assert abs(len(samples) - len(stereo) / 3) <= 1
    # Against the mono mix evaluated directly at 16 kHz (the resampler's edges aside).
    expected = mix[::3]
    n = min(len(samples), len(expected))
    assert np.max(np.abs(samples[:n] - expected[:n])[500:-500]) < 1e-4
    # A file and the same array in memory take the same path through the C ABI.
    fe = inherent.AudioFrontend()
    assert np.array_equal(fe.wav_to_mel(path), fe.audio_to_mel(stereo, sample_rate=48000))
    assert np.array_equal(fe.wav_to_mel(path), fe.audio_to_mel(samples))


@pytest.mark.parametrize("fmt,subtype", [("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("WAV", "PCM_24")])
def test_other_formats_and_rates(tmp_path, fmt, subtype):
    x = speech_like(22050 / SR)  # 22050 samples: 1 s once written at 22.05 kHz
    path = tmp_path / f"clip.{fmt.lower()}"
    sf.write(path, x, 22050, format=fmt, subtype=subtype)
    mel = inherent.AudioFrontend().wav_to_mel(path)
    assert mel.dtype == np.float32 and mel.shape == (-(-16000 // 320), 128)  # 1 s at any rate
    assert np.isfinite(mel).all()


def test_path_like_and_str_paths():
    path = EXAMPLE_WAVS[0]
    fe = inherent.AudioFrontend()
    assert np.array_equal(fe.wav_to_mel(path), fe.wav_to_mel(str(path)))


# ---------------------------------------------------------------------------------
# Arrays: dtypes, layouts, channels, rates.

def test_float64_and_strided_input_are_converted():
    x = speech_like(0.5)
    fe = inherent.AudioFrontend()
    expected = fe.audio_to_mel(x)
    assert np.array_equal(fe.audio_to_mel(x.astype(np.float64)), expected)
    assert np.array_equal(fe.audio_to_mel(x.astype(">f4")), expected)  # big-endian
    assert np.array_equal(fe.audio_to_mel(x.tolist()), expected)
    wide = np.zeros(2 * len(x), np.float32)
    wide[::2] = x
    assert np.array_equal(fe.audio_to_mel(wide[::2]), expected)  # non-contiguous view


def test_integer_pcm_is_scaled():
    fe = inherent.AudioFrontend()
    pcm = (white_noise(0.5) * 32767).astype(np.int16)
    assert np.array_equal(fe.audio_to_mel(pcm), fe.audio_to_mel(pcm.astype(np.float32) / 32768))
    u8 = (np.arange(1000) % 256).astype(np.uint8)
    assert np.array_equal(fe.audio_to_mel(u8), fe.audio_to_mel((u8.astype(np.float32) - 128) / 128))


def test_2d_audio_is_mixed_down():
    fe = inherent.AudioFrontend()
    stereo, _ = two_tones(SR, 1.0)
    mix = ((stereo[:, 0].astype(np.float64) + stereo[:, 1]) / 2).astype(np.float32)
    assert np.array_equal(fe.audio_to_mel(stereo), fe.audio_to_mel(mix))
    assert np.array_equal(fe.audio_to_mel(np.asfortranarray(stereo)), fe.audio_to_mel(mix))
    column = mix[:, None]  # (n, 1): one channel
    assert np.array_equal(fe.audio_to_mel(column), fe.audio_to_mel(mix))


def test_48k_array_is_resampled():
    stereo, mix = two_tones(48000)
    fe = inherent.AudioFrontend()
    got = fe.audio_to_mel(mix.astype(np.float32), sample_rate=48000)
    assert got.shape == (100, 128)
    direct = fe.audio_to_mel(mix[::3].astype(np.float32))
    # Away from the clip's edges the resampled clip gives the directly sampled features
    # in the bins that carry the tones.
    loud = direct[5:-5] > -3
    assert loud.sum() > 100
    assert np.max(np.abs(got[5:-5] - direct[5:-5])[loud]) < 1e-3


@pytest.mark.parametrize("empty", [np.zeros(0, np.float32), np.zeros(0, np.float64), np.zeros((0, 2), np.float32),
                                   np.zeros(0, np.int16)])
@pytest.mark.parametrize("rate", [SR, 44100])
def test_empty_input_gives_one_floor_frame(empty, rate):
    got = inherent.AudioFrontend().audio_to_mel(empty, sample_rate=rate)
    assert got.shape == (1, 128)
    assert np.array_equal(got, FLOOR_FRAME)
    assert np.allclose(got, np.log(1e-8), atol=1e-6)


# ---------------------------------------------------------------------------------
# Errors: Python exception types carrying the C ABI's message.

def test_missing_file(tmp_path):
    path = tmp_path / "no-such-clip.wav"
    for fn in (inherent.AudioFrontend().wav_to_mel, inherent.load_audio):
        with pytest.raises(FileNotFoundError, match="no-such-clip.wav") as info:
            fn(path)
        assert info.value.status == "I/O error"


def test_not_an_audio_file(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are not samples\n" * 10)
    with pytest.raises(RuntimeError, match="notes.wav") as info:
        inherent.load_audio(path)
    assert info.value.status == "unsupported"


def test_file_without_samples(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros(0, np.float32), SR)
    with pytest.raises(ValueError, match="empty.wav.*no audio"):
        inherent.AudioFrontend().wav_to_mel(path)


def test_file_with_nan(tmp_path):
    x = white_noise(0.2)
    x[1234] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, x, SR, subtype="FLOAT")
    with pytest.raises(ValueError, match="nan.wav: sample 1234 is NaN"):
        inherent.load_audio(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples(bad):
    fe = inherent.AudioFrontend()
    x = white_noise(0.2)
    x[777] = bad
    with pytest.raises(ValueError, match="sample 777 is NaN or infinite") as info:
        fe.audio_to_mel(x)
    assert info.value.status == "invalid audio"
    with pytest.raises(ValueError, match="NaN or infinite"):
        fe.audio_to_mel(x, sample_rate=44100)
    stream = inherent.Frontend()
    stream.accept(np.zeros(1000, np.float32))
    with pytest.raises(ValueError, match="sample 1777 is NaN"):  # absolute index
        stream.accept(x)


def test_invalid_arguments():
    fe = inherent.AudioFrontend()
    with pytest.raises(ValueError, match="1-D"):
        fe.audio_to_mel(np.zeros((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="1-D"):
        fe.audio_to_mel(np.float32(0.5))
    with pytest.raises(ValueError, match="sample_rate"):
        fe.audio_to_mel(np.zeros(100, np.float32), sample_rate=0)
    with pytest.raises(ValueError, match="sample rate"):
        fe.audio_to_mel(np.zeros(100, np.float32), sample_rate=10)
    with pytest.raises(ValueError, match="channel"):
        fe.audio_to_mel(np.zeros((100, 0), np.float32))
    with pytest.raises(ValueError, match=r"\(n_samples, n_channels\)"):
        fe.audio_to_mel(np.zeros((2, 1000), np.float32))  # (channels, n) by mistake
    with pytest.raises(TypeError, match="complex"):
        fe.audio_to_mel(np.zeros(100, np.complex64))
    with pytest.raises(TypeError):
        fe.audio_to_mel(np.zeros(100, bool))
    with pytest.raises(ValueError, match="max_frames"):
        inherent.AudioFrontend(max_frames=-1)
    with pytest.raises(ValueError, match="1-D"):
        inherent.Frontend().accept(np.zeros((10, 2), np.float32))


# ---------------------------------------------------------------------------------
# Copies and the GIL.

def _traced_peak(fn) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_float32_input_is_not_copied():
    # numpy reports its buffers to tracemalloc, so a conversion copy of the input shows
    # up in the traced peak. float64 input is the control: it must be converted, and
    # the probe sees it. float32 C-contiguous input is read where it lies.
    x = white_noise(250.0, std=0.1)  # 4M samples, 16 MB
    fe = inherent.AudioFrontend(max_frames=10)  # a tiny output: the input dominates
    assert _traced_peak(lambda: fe.audio_to_mel(x.astype(np.float64))) >= x.nbytes
    assert _traced_peak(lambda: fe.audio_to_mel(x)) < x.nbytes // 100


def test_output_is_allocated_once():
    x = white_noise(60.0, std=0.1)
    fe = inherent.AudioFrontend()
    out_bytes = inherent.MAX_FRAMES * inherent.N_MELS * 4
    peak = _traced_peak(lambda: fe.audio_to_mel(x))
    assert out_bytes <= peak < out_bytes + 64 * 1024  # the [3000, 128] result and no second buffer


def test_stream_pop_is_one_array():
    stream = inherent.Frontend()
    stream.accept(white_noise(10.0))
    out_bytes = stream.frames_ready * inherent.N_MELS * 4
    peak = _traced_peak(stream.pop_frames)
    assert out_bytes <= peak < out_bytes + 64 * 1024


def test_concurrent_calls_agree():
    clips = [speech_like(1.0, seed=s) for s in range(6)]
    fe = inherent.AudioFrontend()
    serial = [fe.audio_to_mel(c) for c in clips]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(fe.audio_to_mel, clips))
    for a, b in zip(serial, threaded):
        assert np.array_equal(a, b)
