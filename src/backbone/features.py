# SPDX-License-Identifier: Apache-2.0
"""The backbone's frozen features: the project's log-mel [T, 128] -> the fitted
mapped stem (bridge.MappedStem) -> Whisper tiny.en's encoder blocks -> [T, 384], one
vector per 20 ms frame, on the clip's own frames (no 30 s padding: what a window model
sees).

`FeatureCache` computes them once per audio variant and keeps them as float16 .npy files
named by a key, so a killed run resumes and every design reads the same features.
"""
import hashlib
import os
import time
from pathlib import Path

import numpy as np
import safetensors.torch
import torch

import bridge
import whisper_encoder

# Whisper's window maximum minus 8 decades, median over real-dev's fit half (log10);
# bench/whisper-bridge.py measures it and fits the mapped stem with it.
DEFAULT_FLOOR = -7.19


def read_stem(path, floor=DEFAULT_FLOOR):
    """(mapped stem tensors, floor) from a fitted stem file (bench/whisper-bridge.py) or
    from a backbone parts file (data/models/backbone/parts.safetensors: its `bridge.` and
    `stem.` tensors), so the shipped model's stem needs no refit."""
    tensors = safetensors.torch.load_file(str(path))
    if "bridge.matrix" not in tensors:  # a fitted stem file keeps its floor in the metadata
        with safetensors.safe_open(str(path), framework="pt") as f:
            return tensors, float((f.metadata() or {}).get("floor", floor))
    stem = {k.removeprefix("stem."): v for k, v in tensors.items() if k.startswith("stem.")}
    stem["matrix"] = tensors["bridge.matrix"]
    return stem, float(tensors["bridge.floor"].reshape(-1)[0]) if "bridge.floor" in tensors else floor


class Backbone(torch.nn.Module):
    """Mapped stem plus Whisper's encoder blocks: [B, T, 128] -> [B, T, 384]."""

    def __init__(self, encoder_path, stem_path, floor=DEFAULT_FLOOR, upto=None):
        super().__init__()
        self.upto = upto  # run only the first `upto` blocks (whisper_encoder.blocks)
        self.encoder, self.meta = whisper_encoder.load_encoder(encoder_path)
        stem, floor = read_stem(stem_path, floor)
        self.stem = bridge.MappedStem(self.encoder.t, stem["matrix"].numpy(), floor)
        self.stem.load_state_dict(stem)
        self.eval()

    def forward(self, mel):
        return self.encoder.blocks(self.stem(mel), self.upto)


class FeatureCache:
    """Frozen backbone features per named audio variant, cached as float16 [T, 384]."""

    def __init__(self, backbone, folder, frontend):
        self.backbone, self.folder, self.frontend = backbone, Path(folder), frontend
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, key):
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".npy")

    def get(self, key, make_audio):
        """Features of the audio `make_audio()` returns, computed once for `key`."""
        p = self.path(key)
        if p.exists():
            return np.load(p)
        mel = self.frontend.audio_to_mel(make_audio())
        with torch.no_grad():
            f = self.backbone(torch.from_numpy(mel)[None])[0].numpy().astype(np.float16)
        tmp = p.with_suffix(".tmp.npy")
        np.save(tmp, f)
        os.replace(tmp, p)
        return f

    def many(self, items, label, log):
        """[(key, make_audio)] -> list of features, with progress on `log`."""
        out, t0 = [], time.time()
        for i, (key, make) in enumerate(items):
            out.append(self.get(key, make))
            if (i + 1) % 250 == 0 or i + 1 == len(items):
                rate = (i + 1) / max(time.time() - t0, 1e-9)
                log(f"  {label}: {i + 1}/{len(items)} ({rate:.1f}/s, ETA {(len(items) - i - 1) / rate:.0f} s)")
        return out
