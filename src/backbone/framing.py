# SPDX-License-Identifier: Apache-2.0
"""How real recordings differ from the corpus in framing, as audio transforms.

- `room_framing`: the clip inside seconds of room noise. Real requests sit in 7-11 s
  files holding 2-4 s of speech; the corpus pads 0.05-0.6 s. A noise bed runs under the
  whole file at a level set against the clip's loud frames, so the words keep their SNR.
- `trim_to_speech`: the inverse of framing, for a window model: the clip cut to the
  engine's speech span (its frames that rise clearly above the window's own floor, plus
  240 ms).
- `join_word`: a real recorded word before or after the sentence, peak-matched, with a
  short gap (as `inherent synth --real-mix` joins them): a real voice in the clip.

The noise comes from recorded noise files, each cut in two halves: `train` draws from
the first half, probes from the second, so a probe never hears a training stretch.
"""
import numpy as np

SR = 16000
HOP, WIN = 320, 400  # the frontend's 20 ms hop and 25 ms window


def load_noise(paths, load):
    """Recorded noises as float32 arrays (at least 1 s each)."""
    out = []
    for p in paths:
        x = load(str(p))
        if len(x) >= SR:
            out.append(x)
    if not out:
        raise ValueError("no noise file of at least 1 s")
    return out


def noise_part(x, part):
    half = len(x) // 2
    return x[:half] if part == "train" else x[half:]


def loud_rms(x):
    """RMS of the loudest tenth of 20 ms frames: the speech level, whatever the padding."""
    n = len(x) // 320
    if n == 0:
        return float(np.sqrt(np.mean(x ** 2))) if len(x) else 0.0
    e = np.sort(np.mean(x[: n * 320].reshape(n, 320) ** 2, axis=1))[::-1]
    return float(np.sqrt(np.mean(e[: max(1, n // 10)])))


def pink_noise(n, rng):
    """n samples of 1/f noise: the hiss and rumble of a quiet room."""
    spec = np.fft.rfft(rng.standard_normal(n))
    spec /= np.sqrt(np.maximum(np.arange(len(spec)), 1.0))
    return np.fft.irfft(spec, n).astype(np.float32)


def noise_bed(noises, part, n, rng, pink_share=0.4):
    """n samples of room noise: 1/f noise (pink_share of the time) or one recorded noise
    (looped if short) from its `part` half."""
    if rng.random() < pink_share:
        return pink_noise(n, rng)
    src = noise_part(noises[rng.integers(len(noises))], part)
    if len(src) < n:
        src = np.tile(src, n // len(src) + 1)
    start = rng.integers(0, len(src) - n + 1)
    return src[start:start + n].astype(np.float32)


def room_framing(x, lead_s, trail_s, snr_db, noises, part, rng):
    """The clip with lead_s / trail_s seconds of room noise around it and the same
    noise bed under it, snr_db below the clip's loud frames."""
    lead, trail = int(round(lead_s * SR)), int(round(trail_s * SR))
    out = np.zeros(lead + len(x) + trail, dtype=np.float32)
    out[lead:lead + len(x)] = x
    bed = noise_bed(noises, part, len(out), rng)
    level, bed_rms = loud_rms(x), float(np.sqrt(np.mean(bed ** 2)))
    if level > 0 and bed_rms > 0:
        out += bed * (level / bed_rms) * 10 ** (-snr_db / 20)
    return np.clip(out, -1.0, 1.0)


def trim_to_speech(x):
    """x cut to its speech span: the engine's rule (inherent.mel_speech_span, the same the
    engine's trim_to_speech sessions apply), from the first sample of the span's first
    frame to the last sample of its last frame."""
    import inherent  # the native module; the rest of this file needs only numpy
    start, end = inherent.mel_speech_span(inherent.AudioFrontend(max_frames=0).audio_to_mel(x))
    if end <= start:
        return x
    return x[start * HOP: min(len(x), (end - 1) * HOP + WIN)]


def join_word(x, word, first, gap_s):
    """The sentence and a real word (peak-matched to it) with gap_s of silence between."""
    ps, pw = float(np.max(np.abs(x), initial=0)), float(np.max(np.abs(word), initial=0))
    if ps > 0 and pw > 0:
        word = word * (ps / pw)
    gap = np.zeros(int(round(gap_s * SR)), dtype=np.float32)
    parts = (word, gap, x) if first else (x, gap, word)
    return np.concatenate(parts).astype(np.float32)
