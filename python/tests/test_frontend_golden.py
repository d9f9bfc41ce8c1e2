# SPDX-License-Identifier: Apache-2.0
"""Golden tests of the frontend against a float64 numpy reference of the spec in docs/frontend.md.

The reference below is written from the spec text, not from the C++ source. Each choice
of the spec (window, mel scale, power scaling, frame count, padding, streaming) also
has a named test, and where a plausible alternative exists the test shows that the
alternative would fail, so the pin is real.
"""
import numpy as np
import pytest
import soundfile as sf

import inherent
from conftest import EXAMPLE_WAVS, SR, chirp, speech_like, white_noise

WIN, HOP, N_FFT, N_MELS, MAX_FRAMES = 400, 320, 1024, 128, 3000
TOL = 1e-4  # max |diff| in log units, docs/frontend.md


# ---------------------------------------------------------------------------------
# The float64 reference.

def hann_symmetric(n: int = WIN) -> np.ndarray:
    # ref: docs/frontend.md, 0.5 - 0.5 cos(2 pi i / 399)
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / (n - 1))


def hann_periodic(n: int = WIN) -> np.ndarray:
    # The common alternative (denominator N): must NOT match.
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def htk_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)  # ref: docs/frontend.md, HTK


def htk_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


def slaney_mel(hz):
    # Alternative scale: linear to 1 kHz, logarithmic above (Auditory Toolbox).
    hz = np.asarray(hz, dtype=np.float64)
    step, knee, log_step = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    return np.where(hz < knee, hz / step, knee / step + np.log(np.maximum(hz, 1e-9) / knee) / log_step)


def slaney_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    step, knee, log_step = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    return np.where(mel < knee / step, mel * step, knee * np.exp(log_step * (mel - knee / step)))


def mel_filterbank(to_mel=htk_mel, to_hz=htk_hz, n_fft: int = N_FFT, round_edges: bool = False) -> np.ndarray:
    """[128, n_fft / 2 + 1] triangles, 130 edges evenly spaced in mel from 20 Hz to 8 kHz,
    evaluated at each bin's exact frequency k * 16000 / n_fft, peak 1, unnormalized."""
    edges = to_hz(np.linspace(to_mel(20.0), to_mel(8000.0), N_MELS + 2))
    if round_edges:  # alternative: snap edges to the nearest bin (must NOT match)
        edges = np.round(edges * n_fft / SR) * SR / n_fft
    f = np.arange(n_fft // 2 + 1) * SR / n_fft
    lo, c, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(c > lo, (f - lo) / (c - lo), np.where(f >= c, 1.0, 0.0))
        down = np.where(hi > c, (hi - f) / (hi - c), np.where(f <= c, 1.0, 0.0))
    return np.maximum(0.0, np.minimum(up, down))


HTK_FB = mel_filterbank()


def n_frames(n: int, max_frames: int = MAX_FRAMES) -> int:
    t = max(1, -(-n // HOP))  # ref: docs/frontend.md, max(1, ceil(n / 320))
    return min(t, max_frames) if max_frames else t


def reference_log_mel(x, max_frames: int = MAX_FRAMES, window=None, filterbank=None, n_fft: int = N_FFT,
                      power_scale: float = 1.0 / N_FFT) -> np.ndarray:
    """float64 log-mel [T, 128] of 16 kHz samples x."""
    x = np.asarray(x, dtype=np.float64)
    window = hann_symmetric() if window is None else window
    filterbank = HTK_FB if filterbank is None else filterbank
    t = n_frames(len(x), max_frames)
    # Frame t covers [320 t, 320 t + 400); no centering; zeros past the end.
    padded = np.zeros((t - 1) * HOP + WIN)
    m = min(len(x), len(padded))
    padded[:m] = x[:m]
    frames = np.lib.stride_tricks.sliding_window_view(padded, WIN)[::HOP][:t]
    spectrum = np.fft.rfft(frames * window, n=n_fft)  # zero-padded to n_fft
    power = (spectrum.real ** 2 + spectrum.imag ** 2) * power_scale
    return np.log(power @ filterbank.T + 1e-8)


def ours(x, max_frames: int = MAX_FRAMES) -> np.ndarray:
    return inherent.AudioFrontend(max_frames=max_frames).audio_to_mel(x)


def max_diff(a, b) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(np.asarray(a, np.float64) - b)))


FLOOR = np.log(1e-8)


# ---------------------------------------------------------------------------------
# Golden comparisons on varied signals.

def _square(seconds, hz=440.0):
    t = np.arange(int(seconds * SR)) / SR
    return np.sign(np.sin(2 * np.pi * hz * t)).astype(np.float32)


SIGNALS = {
    "linear_chirp_20_8000": lambda: chirp(3.0, 20.0, 8000.0),
    "log_chirp_50_7500": lambda: chirp(2.0, 50.0, 7500.0, amplitude=0.9, log=True),
    "quiet_chirp": lambda: chirp(1.0, 100.0, 6000.0, amplitude=1e-4),
    "white_noise": lambda: white_noise(2.0),
    "faint_noise_near_floor": lambda: white_noise(1.0, std=1e-5, seed=7),
    "speech_like_am_fm": lambda: speech_like(2.5),
    "speech_like_other_voice": lambda: speech_like(1.7, seed=3),
    "silence": lambda: np.zeros(SR, np.float32),
    "full_scale_square": lambda: _square(0.5),
    "dc_offset": lambda: np.full(5000, 0.5, np.float32),
    "one_sample": lambda: np.array([0.25], np.float32),
    "just_under_one_hop": lambda: white_noise(1.0)[:319],
    "one_window_plus_one": lambda: white_noise(1.0)[:401],
}


@pytest.mark.parametrize("name", sorted(SIGNALS))
def test_matches_float64_reference(name):
    x = SIGNALS[name]()
    got = ours(x)
    assert got.dtype == np.float32 and got.shape == (n_frames(len(x)), N_MELS)
    assert max_diff(got, reference_log_mel(x)) <= TOL


def test_matches_reference_past_60_s_cap():
    x = white_noise(61.0, std=0.2, seed=11)
    got = ours(x)
    assert got.shape == (MAX_FRAMES, N_MELS)
    assert max_diff(got, reference_log_mel(x)) <= TOL


@pytest.mark.parametrize("path", EXAMPLE_WAVS, ids=lambda p: p.name)
def test_example_wavs_match_reference(path):
    # Decoded by soundfile here, by the C ABI in wav_to_mel; both are 16 kHz mono files,
    # so no resampling sits between the two.
    x, sr = sf.read(path, dtype="float32")
    assert sr == SR and x.ndim == 1
    got = inherent.AudioFrontend().wav_to_mel(path)
    assert max_diff(got, reference_log_mel(x)) <= TOL


def test_example_wavs_exist():
    assert len(EXAMPLE_WAVS) >= 4


# ---------------------------------------------------------------------------------
# Window.

def _impulse_frame0(position: int) -> np.ndarray:
    x = np.zeros(WIN, np.float32)
    x[position] = 1.0
    return ours(x)[0].astype(np.float64)


def test_window_is_symmetric_hann_399():
    # An impulse at offset i of frame 0 has a flat spectrum scaled by w[i]^2, so the
    # energy ratio of two impulses recovers the window shape, (w[i] / w[200])^2.
    def energy(frame):
        return np.sum(np.exp(frame) - 1e-8)

    positions = np.arange(8, WIN - 8, 7)
    e_mid = energy(_impulse_frame0(200))
    recovered = np.sqrt([energy(_impulse_frame0(i)) / e_mid for i in positions])
    sym, per = hann_symmetric(), hann_periodic()
    err_sym = np.max(np.abs(recovered - sym[positions] / sym[200]) / (sym[positions] / sym[200]))
    err_per = np.max(np.abs(recovered - per[positions] / per[200]) / (per[positions] / per[200]))
    assert err_sym < 1e-4
    assert err_per > 1e-3  # a periodic (N = 400) window would be visible


def test_window_is_zero_at_both_ends():
    # Symmetric: w[0] = w[399] = 0, so impulses there are invisible in frame 0.
    silent = ours(np.zeros(WIN, np.float32))[0]
    assert np.array_equal(_impulse_frame0(0).astype(np.float32), silent)
    assert np.array_equal(_impulse_frame0(WIN - 1).astype(np.float32), silent)
    assert not np.array_equal(_impulse_frame0(1).astype(np.float32), silent)


def test_frame_t_covers_samples_320t_to_320t_plus_400():
    # An impulse at p shows in exactly the frames whose window spans it (ends excluded,
    # where the window is 0): no centering, 400-sample windows, 320-sample hop.
    n = 10 * HOP
    silent = ours(np.zeros(n, np.float32))
    for p in [1, 200, 319, 320, 321, 399, 400, 401, 719, 1000, n - 1]:
        x = np.zeros(n, np.float32)
        x[p] = 1.0
        got = ours(x)
        seen = {t for t in range(len(got)) if not np.array_equal(got[t], silent[t])}
        expected = {t for t in range(len(got)) if 0 < p - HOP * t < WIN - 1}
        assert seen == expected, p


# ---------------------------------------------------------------------------------
# Mel scale and filterbank.

@pytest.mark.parametrize("hz", [97.0, 440.0, 1234.5, 3000.0, 6100.0])
def test_mel_scale_is_htk_from_20_hz_to_8_khz(hz):
    t = np.arange(SR // 2) / SR
    x = (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    got = ours(x)
    assert max_diff(got, reference_log_mel(x)) <= TOL
    # Alternatives that each change the features visibly.
    slaney = mel_filterbank(slaney_mel, slaney_hz)
    rounded = mel_filterbank(round_edges=True)
    assert max_diff(got, reference_log_mel(x, filterbank=slaney)) > 0.1
    assert max_diff(got, reference_log_mel(x, filterbank=rounded)) > 0.1


@pytest.mark.parametrize("m", [40, 60, 80, 100, 120])
def test_tone_at_filter_center_peaks_in_that_filter(m):
    centers = htk_hz(np.linspace(htk_mel(20.0), htk_mel(8000.0), N_MELS + 2))[1:-1]
    t = np.arange(SR // 2) / SR
    x = (0.5 * np.sin(2 * np.pi * centers[m] * t)).astype(np.float32)
    assert int(np.argmax(ours(x)[5])) == m


def test_every_filter_has_weight_with_1024_points():
    # docs/frontend.md: with 1024 points all 128 triangles hit a bin; with 512 one is empty.
    assert np.all(HTK_FB.sum(axis=1) > 0)
    assert np.any(mel_filterbank(n_fft=512).sum(axis=1) == 0)
    # So no bin of broadband noise sits at the log floor.
    got = ours(white_noise(0.5))
    assert np.all(got > FLOOR + 5)


# ---------------------------------------------------------------------------------
# Power scaling and log floor.

def test_power_is_magnitude_squared_over_1024():
    x = chirp(1.0, 200.0, 4000.0)
    got = ours(x)
    assert max_diff(got, reference_log_mel(x)) <= TOL
    # Scaling by the window length instead shifts loud bins by log(1024 / 400).
    loud = got > -5
    shifted = reference_log_mel(x, power_scale=1.0 / WIN)
    assert np.allclose((shifted - got)[loud], np.log(N_FFT / WIN), atol=1e-3)


def test_doubling_amplitude_adds_log_4():
    x = speech_like(1.0)
    a, b = ours(x), ours(2 * x)
    # Well above the 1e-8 floor, log(4 E + 1e-8) - log(E + 1e-8) is log 4 to ~2e-5.
    loud = a > -8
    assert loud.sum() > 500
    assert np.allclose((b - a)[loud], np.log(4.0), atol=1e-4)


def test_silence_is_natural_log_of_1e_8():
    got = ours(np.zeros(3 * HOP, np.float32))
    assert got.shape == (3, N_MELS)
    assert np.allclose(got, FLOOR, atol=1e-6)  # -18.42, not log10's -8
    assert np.all(got != 0)  # a real frame is never all zeros (zeros mark padding)


# ---------------------------------------------------------------------------------
# Frame count and padding.

@pytest.mark.parametrize("n", [0, 1, 319, 320, 321, 399, 400, 401, 640, 16000, 16001,
                               MAX_FRAMES * HOP - 1, MAX_FRAMES * HOP, MAX_FRAMES * HOP + 1])
def test_frame_count(n):
    x = np.zeros(n, np.float32)
    expected = min(max(1, -(-n // HOP)), MAX_FRAMES)
    fe = inherent.AudioFrontend()
    assert fe.n_frames(n) == expected
    assert fe.audio_to_mel(x).shape == (expected, N_MELS)


def test_frame_count_cap_is_configurable():
    n = 4000 * HOP + 5
    x = np.zeros(n, np.float32)
    assert inherent.AudioFrontend(max_frames=0).audio_to_mel(x).shape == (4001, N_MELS)
    assert inherent.AudioFrontend(max_frames=10).audio_to_mel(x).shape == (10, N_MELS)
    assert inherent.AudioFrontend(max_frames=0).n_frames(n) == 4001
    assert inherent.AudioFrontend().max_frames == MAX_FRAMES


def test_capped_frames_equal_the_first_frames_of_the_whole_clip():
    x = speech_like(1.0)
    whole = ours(x, max_frames=0)
    assert np.array_equal(ours(x, max_frames=7), whole[:7])


def test_samples_past_the_end_are_zeros():
    x = speech_like(1.0)[:16000 - 77]  # not a multiple of the hop
    got = ours(x)
    padded = ours(np.concatenate([x, np.zeros(2000, np.float32)]))
    assert np.array_equal(got, padded[: len(got)])


def test_no_centering_frame_t_is_frame_0_of_the_shifted_clip():
    x = white_noise(0.5, seed=5)
    got = ours(x)
    for t in [1, 2, 7, len(got) - 1]:
        assert np.array_equal(got[t], ours(x[HOP * t:])[0])


# ---------------------------------------------------------------------------------
# Streaming equals batch, bit for bit.

def _stream(x, chunk_sizes):
    fe = inherent.Frontend()
    frames, pos = [], 0
    for size in chunk_sizes:
        fe.accept(x[pos:pos + size])
        pos += size
        frames.append(fe.pop_frames())
    assert pos == len(x)
    fe.input_finished()
    frames.append(fe.pop_frames())
    return np.concatenate(frames)


def test_streaming_one_sample_at_a_time_equals_batch():
    x = speech_like(1.0)[:SR - 13]
    got = _stream(x, [1] * len(x))
    assert got.dtype == np.float32
    assert np.array_equal(got, ours(x, max_frames=0))


def test_streaming_random_chunks_equals_batch():
    rng = np.random.default_rng(42)
    x = np.concatenate([speech_like(3.0), white_noise(1.1), chirp(0.7, 100, 7000)])
    sizes = []
    while sum(sizes) < len(x):
        sizes.append(int(min(rng.choice([0, 1, 7, 319, 320, 321, 400, 1000, 4096]), len(x) - sum(sizes))))
    assert np.array_equal(_stream(x, sizes), ours(x, max_frames=0))


def test_streaming_has_no_frame_cap():
    x = white_noise(61.0, std=0.1, seed=2)
    got = _stream(x, [16000] * (len(x) // 16000) + [len(x) % 16000])
    assert got.shape == (n_frames(len(x), 0), N_MELS)
    assert np.array_equal(got, ours(x, max_frames=0))


def test_streaming_counters_and_reset():
    fe = inherent.Frontend()
    fe.accept(np.zeros(WIN - 1, np.float32))
    assert fe.frames_ready == 0  # the first window is not complete yet
    fe.accept(np.zeros(1, np.float32))
    assert fe.frames_ready == 1 and fe.frames_emitted == 1
    fe.accept(np.zeros(HOP, np.float32))
    assert fe.frames_ready == 2
    assert fe.pop_frames(max_frames=1).shape == (1, N_MELS)
    assert fe.frames_ready == 1 and fe.frames_emitted == 2
    fe.input_finished()  # 720 samples -> ceil(720 / 320) = 3 frames in all
    assert fe.frames_emitted == 3
    assert fe.pop_frames().shape == (2, N_MELS)
    assert fe.pop_frames().shape == (0, N_MELS)
    with pytest.raises(RuntimeError, match="finished"):
        fe.accept(np.zeros(10, np.float32))
    fe.reset()
    assert fe.frames_ready == 0 and fe.frames_emitted == 0
    x = white_noise(0.3)
    fe.accept(x)
    fe.input_finished()
    assert np.array_equal(fe.pop_frames(), ours(x))


def test_streaming_empty_input_gives_one_floor_frame():
    fe = inherent.Frontend()
    fe.accept(np.zeros(0, np.float32))
    fe.input_finished()
    got = fe.pop_frames()
    assert got.shape == (1, N_MELS)
    assert np.array_equal(got, ours(np.zeros(0, np.float32)))
