#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Golden files for tests/test-whisper-family.cpp: a random model of the whisper family
(src/engine/arch.h) small enough to commit (width 32, 2 blocks, 4 heads, 16 bridge bins,
heads 16 wide; seed 5), written by src/backbone/package.py, and the logits of
src/backbone/package.py's torch reference on it (float64) for log-mels of several
lengths.

    .venv/bin/python tests/data/whisper-family/make.py
"""
import importlib.util
import json
import os
import sys
import tempfile

import numpy as np
import safetensors.torch
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "src", "backbone"))
import designs  # noqa: E402
import package  # noqa: E402
import whisper_weights  # noqa: E402

# The random encoder of tests/data/whisper-random/make.py (both scripts are called make.py).
_spec = importlib.util.spec_from_file_location("whisper_random", os.path.join(HERE, "..", "whisper-random", "make.py"))
whisper_random = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(whisper_random)

rng = np.random.default_rng(5)
D, F, L, H, W, P, MELS = 32, 128, 2, 4, 16, 16, 128
LENGTHS = [1, 2, 7, 50, 151]


def w(*shape, scale=0.2):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def encoder_tensors():
    return whisper_random.random_encoder(rng, D, F, L, package.POSITIONS, W)


def log_mel(n):
    """Frames like the frontend's: quiet bins near ln(1e-8), louder ones up to ~ +2."""
    return np.clip(rng.normal(-9.0, 4.0, (n, MELS)), -18.42, 3.0).astype(np.float32)


with tempfile.TemporaryDirectory() as tmp:
    enc_path, stem_path, heads_path = (os.path.join(tmp, n) for n in ("enc.safetensors", "stem.safetensors",
                                                                       "heads.pt"))
    whisper_weights.write_safetensors(enc_path, encoder_tensors(), {
        "format": "inherent-whisper-encoder/1", "num_heads": str(H), "name": "random test encoder",
        "licence": "Apache-2.0", "source": "tests/data/whisper-family/make.py"})
    stem = {"matrix": torch.from_numpy(np.abs(w(W, MELS, scale=0.05))),
            "conv1.weight": torch.from_numpy(w(D, W, 3)), "conv1.bias": torch.from_numpy(w(D)),
            "conv2.weight": torch.from_numpy(w(D, D, 3, scale=0.1)), "conv2.bias": torch.from_numpy(w(D))}
    safetensors.torch.save_file(stem, stem_path, metadata={"floor": "-7.19"})
    torch.manual_seed(5)
    heads = designs.PooledHeads(dim=D, width=P)
    with torch.no_grad():
        for p in heads.parameters():
            p.copy_(torch.randn_like(p) * 0.3 + (1.0 if p.dim() == 1 and p.shape[0] == D else 0.0))
    torch.save(heads.state_dict(), heads_path)
    package.write_weights(os.path.join(HERE, "weights.safetensors"), enc_path, stem_path, heads_path)
    mels = [log_mel(n) for n in LENGTHS]
    expected = np.stack([package.reference_logits(enc_path, stem_path, heads_path, m) for m in mels])
for n, m in zip(LENGTHS, mels):
    np.save(os.path.join(HERE, f"mel-{n}.npy"), m)
np.save(os.path.join(HERE, "expected.npy"), expected.astype(np.float32))
with open(os.path.join(HERE, "lengths.json"), "w") as f:
    json.dump(LENGTHS, f)
print("logits range", float(expected.min()), float(expected.max()))
