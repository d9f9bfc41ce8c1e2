# SPDX-License-Identifier: Apache-2.0
"""The inherent Conformer in float64 numpy, written from the forward-pass contract in
src/engine/arch.h. Every export test compares its runtime's scores against this one
reference, so a mistake in an exporter cannot hide behind a matching mistake in the
test. Also: the arch table (names and shapes, mirroring arch.h), deterministic random
weights at realistic scales, and a minimal safetensors reader/writer.

Shape letters: B batch, T frames, T2 = ceil(ceil(T / 2) / 2) steps, M mel bins,
H hidden size, F ffn size, K depthwise kernel, O outputs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import safetensors
import safetensors.numpy

LAYER_NORM_EPS = 1e-5
MASKED_LOGIT = -1e9

CONFIGS = {
    "tiny": dict(n_mels=128, n_hidden=32, n_blocks=1, n_heads=2, ffn_mult=4, conv_kernel=7, n_outputs=13),
    "small": dict(n_mels=128, n_hidden=128, n_blocks=4, n_heads=4, ffn_mult=4, conv_kernel=15, n_outputs=13),
    "base": dict(n_mels=128, n_hidden=256, n_blocks=6, n_heads=4, ffn_mult=4, conv_kernel=31, n_outputs=13),
}


def arch_tensors(c: dict) -> list[tuple[str, tuple[int, ...]]]:
    """Every tensor (name, shape) in the order of arch.h's arch_tensors()."""
    m, h, f, k = c["n_mels"], c["n_hidden"], c["ffn_mult"] * c["n_hidden"], c["conv_kernel"]
    t: list[tuple[str, tuple[int, ...]]] = []

    def linear(p, out, inp):
        t.extend([(p + ".weight", (out, inp)), (p + ".bias", (out,))])

    def norm(p, n):
        t.extend([(p + ".weight", (n,)), (p + ".bias", (n,))])

    def ffn(p):
        norm(p + ".norm", h)
        linear(p + ".up", f, h)
        linear(p + ".down", h, f)

    t += [("mel_norm.mean", (m,)), ("mel_norm.std", (m,)),
          ("subsample.conv1.weight", (h, m, 3)), ("subsample.conv1.bias", (h,)),
          ("subsample.conv2.weight", (h, h, 3)), ("subsample.conv2.bias", (h,))]
    for b in range(c["n_blocks"]):
        p = f"blocks.{b}"
        ffn(p + ".ffn1")
        norm(p + ".attn.norm", h)
        linear(p + ".attn.qkv", 3 * h, h)
        linear(p + ".attn.out", h, h)
        norm(p + ".conv.norm1", h)
        linear(p + ".conv.pointwise1", 2 * h, h)
        t += [(p + ".conv.depthwise.weight", (h, 1, k)), (p + ".conv.depthwise.bias", (h,))]
        norm(p + ".conv.norm2", h)
        linear(p + ".conv.pointwise2", h, h)
        ffn(p + ".ffn2")
        norm(p + ".norm", h)
    norm("final_norm", h)
    linear("pool.score", 1, h)
    linear("head", c["n_outputs"], h)
    return t


def random_weights(c: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """Float32 weights at the scales of a trained model: linear/conv weights uniform in
    +-1/sqrt(fan_in) (torch's init), LayerNorm gains near 1 and biases near 0, mel_norm
    mean/std like log-mel statistics of speech. The output head is scaled up so scores
    spread over (0, 1) instead of sitting at 0.5, which makes score comparisons sharp."""
    rng = np.random.default_rng(seed)
    w: dict[str, np.ndarray] = {}
    shapes = dict(arch_tensors(c))
    for name, shape in arch_tensors(c):
        module, kind = name.rsplit(".", 1)
        is_norm = module.split(".")[-1] in ("norm", "norm1", "norm2", "final_norm")
        if name == "mel_norm.mean":
            v = -11.0 + 2.0 * rng.standard_normal(shape)
        elif name == "mel_norm.std":
            v = 4.5 + 0.7 * rng.standard_normal(shape)
        elif is_norm and kind == "weight":
            v = 1.0 + 0.1 * rng.standard_normal(shape)
        elif is_norm:
            v = 0.05 * rng.standard_normal(shape)
        else:
            fan_in = int(np.prod(shapes[module + ".weight"][1:]))
            bound = 1.0 / np.sqrt(fan_in)
            v = rng.uniform(-bound, bound, shape)
            if name.startswith("head."):
                v = v * 8.0
        w[name] = v.astype(np.float32)
    return w


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    safetensors.numpy.save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(path),
                                metadata=dict(metadata) if metadata else None)


def read_safetensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    with safetensors.safe_open(str(path), framework="np") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})


# ---- the forward pass (float64) ----

def _layer_norm(x, w, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + LAYER_NORM_EPS) * w + b


def _silu(x):
    return x / (1.0 + np.exp(-x))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _linear(x, w, b):
    return x @ w.T + b


def _conv1d(x, w, b, stride, pad, groups=1):
    """x [C, T], w [O, C / groups, K] -> [O, T_out] (torch Conv1d semantics)."""
    c, t = x.shape
    o, cg, k = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad)))
    t_out = (t + 2 * pad - k) // stride + 1
    # columns [C, K, T_out]
    idx = np.arange(t_out)[None, :] * stride + np.arange(k)[:, None]  # [K, T_out]
    cols = xp[:, idx]
    if groups == 1:
        y = np.einsum("ock,ckt->ot", w, cols)
    else:  # depthwise (groups == C == O)
        y = np.einsum("ck,ckt->ct", w[:, 0, :], cols)
    return y + b[:, None]


def positions(n: int, h: int) -> np.ndarray:
    """pe[t, 2i] = sin(t / 10000^(2i/H)), pe[t, 2i+1] = cos(same), float64 rounded to float32."""
    t = np.arange(n, dtype=np.float64)[:, None]
    i2 = np.arange(0, h, 2, dtype=np.float64)
    angle = t / np.power(10000.0, i2 / h)
    pe = np.zeros((n, h))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)[:, : h // 2]
    return pe.astype(np.float32).astype(np.float64)


def forward_one(w: dict[str, np.ndarray], c: dict, mel: np.ndarray) -> np.ndarray:
    """mel [T, M] (zero frames = padding) -> logits [O], float64."""
    g = {k: np.asarray(v, dtype=np.float64) for k, v in w.items()}
    x = np.asarray(mel, dtype=np.float64)
    h, nh = c["n_hidden"], c["n_heads"]
    valid = np.any(x != 0, axis=-1)  # [T]
    x = np.where(valid[:, None], (x - g["mel_norm.mean"]) / g["mel_norm.std"], 0.0)
    valid1 = valid[::2]
    valid2 = valid1[::2]
    y = _silu(_conv1d(x.T, g["subsample.conv1.weight"], g["subsample.conv1.bias"], 2, 1)) * valid1  # [H, T1]
    y = _silu(_conv1d(y, g["subsample.conv2.weight"], g["subsample.conv2.bias"], 2, 1)) * valid2    # [H, T2]
    x = y.T + positions(y.shape[1], h)  # [T2, H]
    t2 = x.shape[0]
    d = h // nh

    def ffn(p, x):
        return _linear(_silu(_linear(_layer_norm(x, g[p + ".norm.weight"], g[p + ".norm.bias"]),
                                     g[p + ".up.weight"], g[p + ".up.bias"])), g[p + ".down.weight"], g[p + ".down.bias"])

    for b in range(c["n_blocks"]):
        p = f"blocks.{b}"
        x = x + 0.5 * ffn(p + ".ffn1", x)
        qkv = _linear(_layer_norm(x, g[p + ".attn.norm.weight"], g[p + ".attn.norm.bias"]),
                      g[p + ".attn.qkv.weight"], g[p + ".attn.qkv.bias"])  # [T2, 3H]
        q, k, v = (qkv[:, i * h:(i + 1) * h].reshape(t2, nh, d).transpose(1, 0, 2) for i in range(3))  # [nh, T2, d]
        s = q @ k.transpose(0, 2, 1) / np.sqrt(d)  # [nh, T2, T2]
        s = np.where(valid2[None, None, :], s, MASKED_LOGIT)
        s = np.exp(s - s.max(-1, keepdims=True))
        a = s / s.sum(-1, keepdims=True)
        att = (a @ v).transpose(1, 0, 2).reshape(t2, h)
        x = x + _linear(att, g[p + ".attn.out.weight"], g[p + ".attn.out.bias"])
        u = _linear(_layer_norm(x, g[p + ".conv.norm1.weight"], g[p + ".conv.norm1.bias"]),
                    g[p + ".conv.pointwise1.weight"], g[p + ".conv.pointwise1.bias"])  # [T2, 2H]
        u = u[:, :h] * _sigmoid(u[:, h:]) * valid2[:, None]
        kk = c["conv_kernel"]
        u = _conv1d(u.T, g[p + ".conv.depthwise.weight"], g[p + ".conv.depthwise.bias"], 1, kk // 2, groups=h).T
        u = _silu(_layer_norm(u, g[p + ".conv.norm2.weight"], g[p + ".conv.norm2.bias"]))
        x = x + _linear(u, g[p + ".conv.pointwise2.weight"], g[p + ".conv.pointwise2.bias"])
        x = x + 0.5 * ffn(p + ".ffn2", x)
        x = _layer_norm(x, g[p + ".norm.weight"], g[p + ".norm.bias"])
    x = _layer_norm(x, g["final_norm.weight"], g["final_norm.bias"])
    s = _linear(x, g["pool.score.weight"], g["pool.score.bias"])[:, 0]  # [T2]
    s = np.where(valid2, s, MASKED_LOGIT)
    e = np.exp(s - s.max())
    pooled = (e / e.sum()) @ x  # [H]
    return _linear(pooled, g["head.weight"], g["head.bias"])


def scores(w: dict[str, np.ndarray], c: dict, mel: np.ndarray) -> np.ndarray:
    """mel [T, M] or [B, T, M] -> sigmoid scores [O] or [B, O], float64."""
    mel = np.asarray(mel)
    if mel.ndim == 2:
        return _sigmoid(forward_one(w, c, mel))
    return np.stack([_sigmoid(forward_one(w, c, m)) for m in mel])
