# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: repository paths and deterministic test signals (16 kHz float32)."""
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_WAVS = sorted((REPO / "data" / "examples" / "audio").glob("*.wav"))
SR = 16000


def chirp(seconds: float, f0: float, f1: float, amplitude: float = 0.5, log: bool = False) -> np.ndarray:
    """Linear (or exponential) sweep from f0 to f1 Hz."""
    t = np.arange(int(seconds * SR)) / SR
    if log:
        k = np.log(f1 / f0) / seconds
        phase = 2 * np.pi * f0 * (np.exp(k * t) - 1) / k
    else:
        phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / seconds * t * t)
    return (amplitude * np.sin(phase)).astype(np.float32)


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    """Voiced-speech stand-in: a harmonic source with a wandering pitch (FM), three
    moving formants, a 4 Hz syllable envelope (AM), a breath of noise, and pauses of
    exact zeros so the log floor and the edges of silence are exercised too."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f0 = 150 + 40 * np.sin(2 * np.pi * 2.7 * t) + 15 * np.sin(2 * np.pi * 0.9 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    formants = [(500 + 200 * np.sin(2 * np.pi * 1.3 * t), 90.0),
                (1500 + 500 * np.sin(2 * np.pi * 0.7 * t + 1), 120.0),
                (2600 + 300 * np.sin(2 * np.pi * 0.4 * t + 2), 200.0)]
    y = np.zeros(n)
    for h in range(1, 60):
        fh = h * f0
        gain = sum(np.exp(-0.5 * ((fh - fc) / bw) ** 2) for fc, bw in formants) + 0.01
        y += np.where(fh < 7900, gain, 0.0) * np.sin(h * phase) / h
    y += 0.02 * rng.standard_normal(n)
    y *= np.clip(np.sin(2 * np.pi * 4.0 * t) + 0.3, 0, None)  # syllables and gaps
    y[int(0.4 * n):int(0.45 * n)] = 0.0  # a pause of digital silence
    return (0.6 * y / np.max(np.abs(y))).astype(np.float32)


def white_noise(seconds: float, std: float = 0.3, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(std * rng.standard_normal(int(seconds * SR)), -1, 1).astype(np.float32)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
