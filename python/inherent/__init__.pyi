# SPDX-License-Identifier: Apache-2.0
"""Type stubs of inherent (the native module inherent._inherent, re-exported).

Shapes: N samples, C channels, T frames, M = N_MELS = 128 mel bins.

Errors carry the C ABI's message (a file error names the file) and its status name as
``exc.status`` ("invalid audio", "I/O error", ...):

- ValueError: invalid argument or invalid audio (NaN/Inf samples, bad shape or rate).
- FileNotFoundError: the file does not exist; OSError: other I/O failures.
- TypeError: input that is not real-valued PCM (complex, bool, objects).
- MemoryError: out of memory; RuntimeError: anything else (e.g. a file that is not
  audio, accept() after input_finished()).
"""
import os
from typing import Dict, Final, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: Final[str]
"""Version of the native library, "MAJOR.MINOR.PATCH" (inherent_version())."""

N_HEADS: Final[int]
"""Outputs of every model: 13."""
SAMPLE_RATE: Final[int]
"""Sample rate the frontend reads: 16000 Hz. Other rates are resampled with libsoxr."""
N_MELS: Final[int]
"""Log-mel bins per frame: 128."""
WIN_LENGTH: Final[int]
"""Samples per analysis window: 400 (25 ms)."""
HOP_LENGTH: Final[int]
"""Samples between frame starts: 320 (20 ms)."""
N_FFT: Final[int]
"""Zero-padded real FFT size: 1024."""
MAX_FRAMES: Final[int]
"""Longest window a model reads: 3000 frames (60 s); the default frame cap of batch calls."""

HEAD_ORDER: Final[Tuple[str, ...]]
"""The 13 head names in output order ("isInteresting", "hasAddToListIntent", ...)."""
THRESHOLD_KEYS: Final[Tuple[str, ...]]
"""snake_case threshold keys in head order ("is_interesting", ...)."""
DEFAULT_THRESHOLDS: Final[Dict[str, float]]
"""Seed threshold per threshold key (0.57 for is_interesting). Shipped model packages
carry calibrated thresholds; these are only the starting point."""

_PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
_Mel = npt.NDArray[np.float32]
_AudioLike = npt.ArrayLike

class AudioFrontend:
    """Batch log-mel frontend, the one implementation training and every runtime use.

    Frame t covers samples [320 t, 320 t + 400) (zeros past the end), symmetric Hann
    window, 1024-point FFT, power / 1024, 128 HTK-mel triangles from 20 Hz to 8 kHz,
    natural log(energy + 1e-8). A clip of n samples at 16 kHz gives
    max(1, ceil(n / 320)) frames, at most ``max_frames``.

    Stateless and safe to share between threads; the GIL is released while computing.
    """

    def __init__(self, max_frames: int = 3000) -> None:
        """max_frames: stop after this many frames (the rest of the clip is ignored);
        0 means no limit. The default, 3000, is 60 s, the longest window a model reads."""
    @property
    def max_frames(self) -> int:
        """The frame cap given at construction (0 = none)."""
    def n_frames(self, n_samples: int) -> int:
        """Frames this frontend returns for n_samples samples at 16 kHz."""
    def wav_to_mel(self, path: _PathLike) -> _Mel:
        """Log-mel of an audio file: float32 [T, 128].

        Any format libsndfile reads (WAV, FLAC, OGG, ...); channels are averaged to
        mono, other rates resampled to 16 kHz, integer PCM scaled to [-1, 1].
        Raises FileNotFoundError / OSError / RuntimeError (not audio) / ValueError
        (no samples, NaN/Inf) with a message naming the file.
        """
    def audio_to_mel(self, audio: _AudioLike, sample_rate: int = 16000) -> _Mel:
        """Log-mel of samples in memory: float32 [T, 128].

        audio: (N,) mono or (N, C) interleaved channels (soundfile's layout), which are
        averaged to mono. A 1-D float32 C-contiguous array at 16 kHz is read in place,
        without a copy; other float dtypes and strides are converted to float32;
        integer PCM is scaled to [-1, 1] as libsndfile scales integer files
        (int16 / 32768, uint8 (x - 128) / 128). Rates other than 16 kHz are resampled
        with libsoxr (HQ). Empty input gives one frame of log(1e-8).
        Raises ValueError for NaN/Inf samples (naming the sample index), a bad shape
        or rate, TypeError for non-real dtypes.
        """

class Frontend:
    """Streaming log-mel frontend, one per audio source.

    Feed 16 kHz mono chunks of any size with accept(); a frame is ready as soon as its
    400 samples have arrived; input_finished() emits the zero-padded tail. The frames
    equal AudioFrontend(max_frames=0).audio_to_mel(all samples) bit for bit. Streams
    have no frame cap. Only the samples of the next unfinished window are kept.
    """

    def __init__(self) -> None: ...
    def accept(self, samples: _AudioLike) -> None:
        """Append (N,) samples at 16 kHz (N may be 0). Same dtype rules as
        AudioFrontend.audio_to_mel. ValueError on NaN/Inf (naming the absolute sample
        index); RuntimeError after input_finished() until reset()."""
    def input_finished(self) -> None:
        """No more samples: emit the remaining frames so the total equals the batch count."""
    def pop_frames(self, max_frames: Optional[int] = None) -> _Mel:
        """Remove and return up to max_frames ready frames (all if None) as float32
        [n, 128], oldest first; n may be 0."""
    @property
    def frames_ready(self) -> int:
        """Frames computed and not yet popped."""
    @property
    def frames_emitted(self) -> int:
        """Frames computed since construction or reset(), popped or not."""
    def reset(self) -> None:
        """Forget all samples and frames; the frontend can start a new clip."""

def load_audio(path: _PathLike) -> npt.NDArray[np.float32]:
    """Decode an audio file to float32 (N,) samples, 16 kHz mono (channels averaged,
    resampled with libsoxr, integer PCM scaled to [-1, 1]). Errors as for wav_to_mel."""

__all__ = [
    "AudioFrontend",
    "DEFAULT_THRESHOLDS",
    "Frontend",
    "HEAD_ORDER",
    "HOP_LENGTH",
    "MAX_FRAMES",
    "N_FFT",
    "N_HEADS",
    "N_MELS",
    "SAMPLE_RATE",
    "THRESHOLD_KEYS",
    "WIN_LENGTH",
    "__version__",
    "load_audio",
]
