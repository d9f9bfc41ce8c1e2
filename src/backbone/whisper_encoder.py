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


# A block's LayerNorms and Linears: (its name under arch.h's `blocks.<b>.`, CTranslate2's
# under `layer_<b>.`). A LayerNorm's weight and bias are CTranslate2's gamma and beta.
BLOCK_NORMS = (("attn.norm", "self_attention.layer_norm"), ("ffn.norm", "ffn.layer_norm"))
BLOCK_LINEARS = (("attn.qkv", "self_attention.linear_0"), ("attn.out", "self_attention.linear_1"),
                 ("ffn.up", "ffn.linear_0"), ("ffn.down", "ffn.linear_1"))


def block(x, w, n_heads, key_mask=None):
    """One of Whisper's pre-norm blocks on x [B, N, D]: w(name) gives its tensors by
    CTranslate2's name within the block ("self_attention.linear_0.weight", ...);
    key_mask [B, N], True where a key is a real frame, lets padded clips in a batch score
    as they would alone."""
    def layer_norm(y, prefix):
        gamma = w(prefix + ".gamma")  # its length, not y.shape: the shape stays static in ONNX
        return F.layer_norm(y, (gamma.shape[0],), gamma, w(prefix + ".beta"), eps=1e-5)

    def linear(y, prefix):
        return F.linear(y, w(prefix + ".weight"), w(prefix + ".bias"))

    b, n, d = x.shape
    q, k, v = linear(layer_norm(x, "self_attention.layer_norm"), "self_attention.linear_0").split(d, dim=-1)
    q, k, v = (y.view(b, n, n_heads, d // n_heads).transpose(1, 2) for y in (q, k, v))
    s = q @ k.transpose(-1, -2) / math.sqrt(d // n_heads)
    if key_mask is not None:
        s = s.masked_fill(~key_mask[:, None, None, :], float("-inf"))
    attended = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(b, n, d)
    x = x + linear(attended, "self_attention.linear_1")
    return x + linear(F.gelu(linear(layer_norm(x, "ffn.layer_norm"), "ffn.linear_0")), "ffn.linear_1")


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
            x = block(x, lambda name, i=i: self.t[f"layer_{i}.{name}"], self.num_heads)
        return self.layer_norm(x, "layer_norm") if upto == self.n_layers else x

    def forward(self, mel):  # [B, 80, 3000] Whisper log-mel
        return self.blocks(self.stem(mel))


def load_encoder(path):
    tensors, meta = load_safetensors(path)
    return WhisperEncoder(tensors, int(meta["num_heads"])), meta
