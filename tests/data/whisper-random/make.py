#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Golden files for tests/test-whisper-encoder.cpp: a random encoder of Whisper's layout
(2 blocks, width 32, 4 heads, 100 positions; seed 3), a log-mel input [1, 80, 200] and
the output of src/backbone/whisper_encoder.py on it (float64, rounded to float32).

    .venv/bin/python tests/data/whisper-random/make.py
"""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "src", "backbone"))
import whisper_encoder  # noqa: E402
import whisper_weights  # noqa: E402

D, F, L, H, T, MELS = 32, 128, 2, 4, 200, 80


def random_encoder(rng, width, ffn, layers, positions, mels):
    """Tensors of a random encoder of Whisper's layout, under its safetensors names
    (tests/data/whisper-family/make.py uses it too)."""
    def w(*shape, scale=0.2):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    t = {"conv1.weight": w(width, mels, 3), "conv1.bias": w(width), "conv2.weight": w(width, width, 3, scale=0.1),
         "conv2.bias": w(width), "position_encodings.encodings": w(positions, width, scale=0.5),
         "layer_norm.gamma": 1 + w(width), "layer_norm.beta": w(width)}
    for i in range(layers):
        p = f"layer_{i}."
        t.update({p + "self_attention.layer_norm.gamma": 1 + w(width), p + "self_attention.layer_norm.beta": w(width),
                  p + "self_attention.linear_0.weight": w(3 * width, width),
                  p + "self_attention.linear_0.bias": w(3 * width),
                  p + "self_attention.linear_1.weight": w(width, width), p + "self_attention.linear_1.bias": w(width),
                  p + "ffn.layer_norm.gamma": 1 + w(width), p + "ffn.layer_norm.beta": w(width),
                  p + "ffn.linear_0.weight": w(ffn, width), p + "ffn.linear_0.bias": w(ffn),
                  p + "ffn.linear_1.weight": w(width, ffn, scale=0.1), p + "ffn.linear_1.bias": w(width)})
    return {"whisper.encoder." + k: v for k, v in sorted(t.items())}


def main():
    rng = np.random.default_rng(3)
    tensors = random_encoder(rng, D, F, L, T // 2, MELS)
    whisper_weights.write_safetensors(os.path.join(HERE, "encoder.safetensors"), tensors,
                                      {"format": "inherent-whisper-encoder/1", "num_heads": str(H),
                                       "name": "random test encoder", "licence": "Apache-2.0"})
    mel = rng.uniform(-1.0, 1.5, (1, MELS, T)).astype(np.float32)
    encoder = whisper_encoder.WhisperEncoder({k: torch.from_numpy(v).double() for k, v in tensors.items()}, H)
    with torch.no_grad():
        out = encoder(torch.from_numpy(mel).double()).float().numpy()
    np.save(os.path.join(HERE, "mel.npy"), mel)
    np.save(os.path.join(HERE, "expected.npy"), out)
    print("wrote", out.shape)


if __name__ == "__main__":
    main()
