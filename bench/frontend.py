# SPDX-License-Identifier: Apache-2.0
"""Frontend throughput, one thread: inherent vs a numpy implementation of the same spec
vs librosa's melspectrogram, measured in this one script on the same audio.

Prints a markdown table (x real time = seconds of audio per second of compute) and
writes JSON. Usage: python bench/frontend.py [--seconds 10] [--json-out FILE]
"""
import os

# One thread for every peer; must be set before numpy is imported.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import json
import platform
import time

import numpy as np

import inherent


def numpy_logmel(x: np.ndarray, dtype=np.float32) -> np.ndarray:
    """The DESIGN.md frontend, vectorized numpy (rfft over all frames at once)."""
    sr, win, hop, n_fft = 16000, 400, 320, 1024
    n = len(x)
    t = max(1, -(-n // hop))
    padded = np.zeros(t * hop + win, dtype=dtype)
    padded[:n] = x
    idx = np.arange(win)[None, :] + hop * np.arange(t)[:, None]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / (win - 1))).astype(dtype)
    frames = padded[idx] * window
    power = np.abs(np.fft.rfft(frames, n_fft)) ** 2 / n_fft
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    imel = lambda m: 700 * (10 ** (m / 2595) - 1)
    edges = imel(np.linspace(mel(20), mel(8000), 130))
    f = np.arange(n_fft // 2 + 1) * sr / n_fft
    lo, c, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    fb = np.maximum(0, np.minimum((f - lo) / (c - lo), (hi - f) / (hi - c))).astype(dtype)
    return np.log(power.astype(dtype) @ fb.T + 1e-8)


def time_it(fn, seconds_of_audio: float, min_time: float = 1.0) -> float:
    fn()  # warm-up (imports, caches, filterbank construction)
    reps, elapsed = 0, 0.0
    start = time.perf_counter()
    while elapsed < min_time or reps < 3:
        fn()
        reps += 1
        elapsed = time.perf_counter() - start
    return seconds_of_audio * reps / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the test clip")
    ap.add_argument("--json-out", help="write the results here as JSON")
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal(int(args.seconds * 16000))).astype(np.float32)
    fe = inherent.AudioFrontend(max_frames=0)
    rows = [("inherent (C++, this project)", time_it(lambda: fe.audio_to_mel(x), args.seconds))]
    rows.append(("numpy float32 (same spec)", time_it(lambda: numpy_logmel(x), args.seconds)))
    try:
        import librosa

        def lib():
            m = librosa.feature.melspectrogram(y=x, sr=16000, n_fft=1024, win_length=400, hop_length=320,
                                               center=False, power=2.0, n_mels=128, fmin=20, fmax=8000,
                                               htk=True, norm=None)
            return np.log(m + 1e-8)

        rows.append((f"librosa {librosa.__version__} melspectrogram", time_it(lib, args.seconds)))
    except ImportError:
        pass

    ours = rows[0][1]
    print(f"### Frontend throughput, 1 thread, {args.seconds:g} s clip ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores)\n")
    print("| implementation | x real time | inherent speed-up |")
    print("|---|---:|---:|")
    for name, xrt in rows:
        print(f"| {name} | {xrt:,.0f} | {ours / xrt:.2f}x |")
    if args.json_out:
        with open(args.json_out + ".tmp", "w") as f:
            json.dump({"clip_seconds": args.seconds, "x_realtime": {n: v for n, v in rows}}, f, indent=2)
        os.replace(args.json_out + ".tmp", args.json_out)


if __name__ == "__main__":
    main()
