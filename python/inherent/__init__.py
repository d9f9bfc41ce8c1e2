# SPDX-License-Identifier: Apache-2.0
"""inherent: a speech gate for voice assistants.

One small model reads log-mel frames of 16 kHz audio and scores 13 heads in one pass:
head 0 says whether the speech is addressed to the assistant, heads 1..12 which kind of
request it is. This package wraps the C ABI: the log-mel frontend (batch and streaming),
audio decoding, the head table, and the native engine (model packages, scores, streams).

    import inherent
    mel = inherent.AudioFrontend().wav_to_mel("clip.wav")   # float32 [T, 128]
    inherent.HEAD_ORDER[0]                                   # 'isInteresting'

    engine = inherent.Engine("models/small")                 # a model package
    scores = engine.score_mel(mel)                           # float32 (13,)
    engine.decide(scores)                                    # ['isInteresting', ...]
    stream = inherent.Stream(engine)                         # 2 s window, 100 ms hop
    stream.accept(chunk); [r.fired for r in stream.results()]
"""
from ._inherent import (
    DEFAULT_THRESHOLDS,
    HEAD_ORDER,
    HOP_LENGTH,
    MAX_FRAMES,
    N_FFT,
    N_HEADS,
    N_MELS,
    SAMPLE_RATE,
    THRESHOLD_KEYS,
    WIN_LENGTH,
    AudioFrontend,
    Engine,
    Frontend,
    Stream,
    StreamResult,
    __version__,
    load_audio,
    mel_speech_span,
)

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
    "mel_speech_span",
]
