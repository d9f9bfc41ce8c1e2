# SPDX-License-Identifier: Apache-2.0
"""Whisper's encoder in torch, on the weights whisper_weights.py writes: the reference the
project's backbone models are checked against (CTranslate2's Whisper.encode is the peer).

    x = gelu(conv1(mel)); x = gelu(conv2(x))        # [B, 80, 3000] -> [B, 384, 1500]
    x = x^T + positions                              # sinusoidal table from the weights
    4 x: x += out(attn(LN(x))); x += W2 gelu(W1 LN(x))  # pre-norm, exact (erf) GELU
    LN(x)                                            # [B, 1500, 384]
"""
import math

import safetensors
import torch
import torch.nn.functional as F


def load_safetensors(path):
    with safetensors.safe_open(path, framework="pt") as f:
        return {k: f.get_tensor(k).float() for k in f.keys()}, dict(f.metadata() or {})


class WhisperEncoder(torch.nn.Module):
    def __init__(self, tensors, num_heads):
        super().__init__()
        self.t = {k.removeprefix("whisper.encoder."): v for k, v in tensors.items()}
        self.num_heads = num_heads
        self.n_layers = 1 + max(int(k.split(".")[0][len("layer_"):]) for k in self.t
                                if k.split(".")[0][len("layer_"):].isdigit())

    def layer_norm(self, x, prefix):
        gamma = self.t[prefix + ".gamma"]  # its length, not x.shape: the shape stays static in ONNX
        return F.layer_norm(x, (gamma.shape[0],), gamma, self.t[prefix + ".beta"], eps=1e-5)

    def linear(self, x, prefix):
        return F.linear(x, self.t[prefix + ".weight"], self.t[prefix + ".bias"])

    def attention(self, x, prefix):
        b, n, d = x.shape
        h = self.num_heads
        q, k, v = self.linear(x, prefix + ".linear_0").split(d, dim=-1)
        q, k, v = (y.view(b, n, h, d // h).transpose(1, 2) for y in (q, k, v))
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        return self.linear((w @ v).transpose(1, 2).reshape(b, n, d), prefix + ".linear_1")

    def stem(self, mel):  # [B, 80, 3000] Whisper log-mel -> [B, 1500, 384]
        t = self.t
        x = F.gelu(F.conv1d(mel, t["conv1.weight"], t["conv1.bias"], padding=1))
        return F.gelu(F.conv1d(x, t["conv2.weight"], t["conv2.bias"], stride=2, padding=1)).transpose(1, 2)

    def blocks(self, x, upto=None):
        """Stem output [B, N, 384] -> encoder output [B, N, 384]. With `upto` below the
        number of blocks, only the first `upto` blocks run and the final LayerNorm does
        not (the input of block `upto`: what a model with the top blocks trainable
        caches)."""
        x = x + self.t["position_encodings.encodings"][: x.shape[1]]
        upto = self.n_layers if upto is None else upto
        for i in range(upto):
            p = f"layer_{i}"
            x = x + self.attention(self.layer_norm(x, p + ".self_attention.layer_norm"), p + ".self_attention")
            y = self.layer_norm(x, p + ".ffn.layer_norm")
            x = x + self.linear(F.gelu(self.linear(y, p + ".ffn.linear_0")), p + ".ffn.linear_1")
        return self.layer_norm(x, "layer_norm") if upto == self.n_layers else x

    def forward(self, mel):  # [B, 80, 3000] Whisper log-mel
        return self.blocks(self.stem(mel))


def load_encoder(path):
    tensors, meta = load_safetensors(path)
    return WhisperEncoder(tensors, int(meta["num_heads"])), meta
