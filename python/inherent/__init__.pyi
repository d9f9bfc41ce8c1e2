# SPDX-License-Identifier: Apache-2.0
"""Type stubs of inherent (the native module inherent._inherent, re-exported).

Shapes: N samples, C channels, T frames, M = N_MELS = 128 mel bins.

Errors carry the C ABI's message (a file error names the file) and its status name as
``exc.status`` ("invalid audio", "I/O error", ...):

- ValueError: invalid argument or invalid audio (NaN/Inf samples, bad shape or rate).
- FileNotFoundError: the file does not exist; OSError: other I/O failures.
- TypeError: input that is not real-valued PCM (complex, bool, objects).
- MemoryError: out of memory; RuntimeError: anything else (e.g. a file that is not
  audio, accept() after input_finished(), a model package that fails validation).
"""
import os
from typing import Dict, Final, List, Optional, Tuple, Union

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

_Scores = npt.NDArray[np.float32]

class Engine:
    """A model package loaded by the native engine (include/inherent/inherent.h).

    A package is a directory with model.safetensors and inherent.metadata.json, or one
    file holding both (docs/model-format.md). Loading validates every key and tensor;
    a bad package raises RuntimeError naming the key at fault (``exc.status`` is
    "invalid model"), a missing one FileNotFoundError / OSError.

    Scores are the model's 13 sigmoid outputs in HEAD_ORDER. Calls release the GIL;
    one Engine serializes its own calls, so use one Engine per thread for parallelism.
    """

    def __init__(
        self,
        package: _PathLike,
        kernels: str = "auto",
        n_threads: int = 1,
        precision: str = "float32",
        min_voiced_ms: int = 200,
        trim_to_speech: Optional[bool] = None,
    ) -> None:
        """kernels: "auto" (fastest this CPU runs), "generic", "avx2", "avx512" or "avx512vnni".
        n_threads: threads per call (1..64); larger matrix products split over them.
        precision: "float32", or "int8": int8 weights times 13-bit activations in the
        Conformer blocks (faster; scores move by a few 1e-4 on snapped models).
        min_voiced_ms: an input with less voiced sound (empty, silent, a click) scores 0
        on every head, so nothing fires; 0 turns the rule off.
        trim_to_speech: True scores only each input's speech span (mel_speech_span), so
        seconds of room noise around the words change little; False scores every frame;
        None (default) does what the model's metadata says (scoring.trim_to_speech)."""
    @staticmethod
    def from_bytes(
        weights: bytes,
        metadata: Optional[Union[str, bytes]] = None,
        kernels: str = "auto",
        n_threads: int = 1,
        precision: str = "float32",
        min_voiced_ms: int = 200,
        trim_to_speech: Optional[bool] = None,
    ) -> "Engine":
        """From memory: the safetensors bytes and the metadata JSON text (None: the copy
        embedded in the weights' __metadata__, the single-buffer form)."""
    def score_mel(self, mel: npt.ArrayLike) -> _Scores:
        """Scores of log-mels: (T, 128) -> (13,), (B, T, 128) -> (B, 13). All-zero frames
        are padding and cost nothing at the end of a clip; at most 3000 real frames.
        ValueError for NaN/Inf, an empty input or one that is all padding."""
    def score_audio(self, audio: _AudioLike, sample_rate: int = 16000) -> _Scores:
        """Scores of (N,) or (N, C) audio at sample_rate (resampled and mixed down as in
        AudioFrontend.audio_to_mel); the first 60 s are scored. -> (13,)"""
    def score_file(self, path: _PathLike) -> _Scores:
        """Scores of an audio file (the first 60 s). -> (13,)"""
    def decide(self, scores: npt.ArrayLike) -> List[str]:
        """Names of the heads that fire: scores[i] >= the package threshold of head i;
        intent heads (1..12) fire only when isInteresting fires."""
    @property
    def thresholds(self) -> Dict[str, float]:
        """The package's calibrated thresholds by threshold key."""
    @property
    def metadata_json(self) -> str:
        """The package's inherent.metadata.json text (json.loads it for the rest)."""
    @property
    def version(self) -> str:
        """The package's model_version."""
    @property
    def kernels(self) -> str:
        """The kernel set in use: "avx512vnni", "avx512", "avx2" or "generic"."""
    @property
    def precision(self) -> str:
        """"float32" or "int8", as loaded."""
    @property
    def n_params(self) -> int:
        """Trained parameters of the model."""
    @property
    def voiced_frames(self) -> int:
        """Voiced 20 ms frames of the last input scored; below min_voiced_ms / 20 every
        score was 0 (too short or silent)."""

class StreamResult:
    """One window of a Stream: frames [start_s, end_s) on the 20 ms grid."""

    start_s: float
    end_s: float
    scores: _Scores
    """Model scores of the window (13,); equal to Engine.score_mel on the same frames."""
    smoothed: _Scores
    """The scores decisions used: the mean over the last `smoothing` results."""
    fired_mask: int
    """Bit i set: head i fires."""
    skipped: int
    """Results dropped just before this one because the reader fell behind."""
    @property
    def fired(self) -> List[str]:
        """Names of the heads that fire."""

class Stream:
    """Scores every hop over a sliding window of live 16 kHz mono audio (one per source).

    Result k covers the window_ms of audio that ends at the k-th hop boundary (less at
    the start unless partial=False); after input_finished() a last result covers the
    rest. A head turns on when its smoothed score reaches its threshold and, with
    hysteresis h, turns off below threshold - h; intents fire only with the gate.
    """

    def __init__(
        self,
        engine: Engine,
        window_ms: int = 2000,
        hop_ms: int = 100,
        smoothing: int = 1,
        hysteresis: float = 0.0,
        max_pending: int = 64,
        partial: bool = True,
        n_threads: int = 1,
        min_voiced_ms: int = 200,
    ) -> None: ...
    def accept(self, samples: _AudioLike) -> None:
        """Append (N,) samples at 16 kHz (any N; integer PCM is scaled as elsewhere)."""
    def input_finished(self) -> None:
        """No more audio: the last window becomes ready."""
    @property
    def ready(self) -> int:
        """Results ready to compute."""
    def results(self) -> List[StreamResult]:
        """Run the model on every ready window and return the results, oldest first."""
    def reset(self) -> None:
        """Forget all audio, results and decision state."""

def mel_speech_span(mel: npt.ArrayLike) -> tuple[int, int]:
    """(start, end): the frames of a log-mel (T, 128) that hold its speech (speech-band
    energy at least halfway from the input's floor to its loud level), plus 12 frames
    (240 ms) each side; (0, T) for silence or steady noise. Trailing all-zero frames are
    padding and never count. ValueError for a wrong shape or NaN/Inf."""

def load_audio(path: _PathLike) -> npt.NDArray[np.float32]:
    """Decode an audio file to float32 (N,) samples, 16 kHz mono (channels averaged,
    resampled with libsoxr, integer PCM scaled to [-1, 1]). Errors as for wav_to_mel."""

__all__ = [
    "AudioFrontend",
    "DEFAULT_THRESHOLDS",
    "Engine",
    "Frontend",
    "HEAD_ORDER",
    "HOP_LENGTH",
    "MAX_FRAMES",
    "N_FFT",
    "N_HEADS",
    "N_MELS",
    "SAMPLE_RATE",
    "Stream",
    "StreamResult",
    "THRESHOLD_KEYS",
    "WIN_LENGTH",
    "__version__",
    "load_audio",
]
