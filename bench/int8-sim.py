# SPDX-License-Identifier: Apache-2.0
"""How much activation rounding a trained model tolerates: the float64 forward of a
model package with every Conformer-block Linear input rounded by a chosen scheme,
against the same forward unrounded, on real clips. This is how the engine's int8
precision picked 13-bit activations (src/engine/kernels/kernels.h).

Weights are rounded as the engine does (int8, one scale per output row, the LayerNorm
in front of ffn up / qkv / pointwise1 folded in first); on a snapped package that is
exact, so the table shows what the activations alone cost. Schemes:
  row-symN   symmetric N bits, one scale per time step (the engine: N = 13)
  row-asym8  8 bits with a zero point, per time step
  blkB       symmetric 8 bits per block of B inputs of a time step
  8bit-on=KINDS  13 bits everywhere but 8 bits on the named Linears (up, down, qkv, out,
                 pw1, pw2; '+'-joined)

    .venv/bin/python bench/int8-sim.py PKG LABELS.csv [--clips 256]   (small, or a whisper-family package)
        [--schemes row-sym8 row-sym13 8bit-on=up]

The gate the engine must meet is the int8 export parity gate: max |score diff| <= 5e-3,
mean <= 5e-4 per head (docs/parity.md).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python" / "tests"))
import reference_model as ref  # noqa: E402

import inherent  # noqa: E402

FOLDED = {"ffn1.up": "ffn1.norm", "ffn2.up": "ffn2.norm", "attn.qkv": "attn.norm", "conv.pointwise1": "conv.norm1"}


def rounder(scheme: str):
    """x [T, K] -> x rounded per the scheme."""
    if scheme.startswith("row-sym"):
        top = 2 ** (int(scheme[7:]) - 1) - 1

        def q(x):
            s = np.abs(x).max(-1, keepdims=True) / top
            s[s == 0] = 1
            return np.round(x / s) * s
        return q
    if scheme == "row-asym8":
        def q(x):
            lo, hi = x.min(-1, keepdims=True), x.max(-1, keepdims=True)
            s = (hi - lo) / 255
            s[s == 0] = 1
            z = np.round(-lo / s)
            return (np.clip(np.round(x / s) + z, 0, 255) - z) * s
        return q
    if scheme.startswith("blk"):
        b = int(scheme[3:])

        def q(x):
            t, k = x.shape
            xb = x.reshape(t, k // b, b)
            s = np.abs(xb).max(-1, keepdims=True) / 127
            s[s == 0] = 1
            return (np.round(xb / s) * s).reshape(t, k)
        return q
    raise SystemExit(f"unknown scheme {scheme}")


def int8_rows(w):
    s = np.abs(w).max(axis=1, keepdims=True) / 127
    s[s == 0] = 1
    return np.round(w / s) * s


def rounded_linear(g: dict, z: np.ndarray, p: str, module: str, folded: dict, q) -> np.ndarray:
    """Linear p.module on z as the engine's int8 computes it: the LayerNorm in front
    (folded[module], if any) folded into int8 weights, the input rounded by q (None: not)."""
    w, b = g[f"{p}.{module}.weight"], g[f"{p}.{module}.bias"]
    if module in folded:
        n = f"{p}.{folded[module]}"
        mu = z.mean(-1, keepdims=True)
        z = (z - mu) / np.sqrt(((z - mu) ** 2).mean(-1, keepdims=True) + ref.LAYER_NORM_EPS)
        w, b = w * g[n + ".weight"][None, :], b + w @ g[n + ".bias"]
    return (q(z) if q else z) @ int8_rows(w).T + b


def forward(g: dict, c: dict, mel: np.ndarray, q_of) -> np.ndarray:
    """Scores [13]; q_of(kind) gives the rounding of that Linear kind's input (None: none)."""
    x = np.asarray(mel, dtype=np.float64)
    h, nh = c["n_hidden"], c["n_heads"]
    d = h // nh
    valid = np.any(x != 0, axis=-1)
    x = np.where(valid[:, None], (x - g["mel_norm.mean"]) / g["mel_norm.std"], 0.0)
    v1, v2 = valid[::2], valid[::2][::2]
    y = ref._silu(ref._conv1d(x.T, g["subsample.conv1.weight"], g["subsample.conv1.bias"], 2, 1)) * v1
    y = ref._silu(ref._conv1d(y, g["subsample.conv2.weight"], g["subsample.conv2.bias"], 2, 1)) * v2
    x = y.T + ref.positions(y.shape[1], h)
    t2 = x.shape[0]

    def linear(z, p, module, kind):
        return rounded_linear(g, z, p, module, FOLDED, q_of(kind))

    for i in range(c["n_blocks"]):
        p = f"blocks.{i}"
        x = x + 0.5 * linear(ref._silu(linear(x, p, "ffn1.up", "up")), p, "ffn1.down", "down")
        qkv = linear(x, p, "attn.qkv", "qkv")
        qh, kh, vh = (qkv[:, j * h:(j + 1) * h].reshape(t2, nh, d).transpose(1, 0, 2) for j in range(3))
        s = np.where(v2[None, None, :], qh @ kh.transpose(0, 2, 1) / np.sqrt(d), ref.MASKED_LOGIT)
        s = np.exp(s - s.max(-1, keepdims=True))
        att = ((s / s.sum(-1, keepdims=True)) @ vh).transpose(1, 0, 2).reshape(t2, h)
        x = x + linear(att, p, "attn.out", "out")
        u = linear(x, p, "conv.pointwise1", "pw1")
        u = u[:, :h] * ref._sigmoid(u[:, h:]) * v2[:, None]
        k = c["conv_kernel"]
        u = ref._conv1d(u.T, g[p + ".conv.depthwise.weight"], g[p + ".conv.depthwise.bias"], 1, k // 2, groups=h).T
        u = ref._silu(ref._layer_norm(u, g[p + ".conv.norm2.weight"], g[p + ".conv.norm2.bias"]))
        x = x + linear(u, p, "conv.pointwise2", "pw2")
        x = x + 0.5 * linear(ref._silu(linear(x, p, "ffn2.up", "up")), p, "ffn2.down", "down")
        x = ref._layer_norm(x, g[p + ".norm.weight"], g[p + ".norm.bias"])
    x = ref._layer_norm(x, g["final_norm.weight"], g["final_norm.bias"])
    s = np.where(v2, (x @ g["pool.score.weight"].T + g["pool.score.bias"])[:, 0], ref.MASKED_LOGIT)
    e = np.exp(s - s.max())
    return ref._sigmoid((e / e.sum()) @ x @ g["head.weight"].T + g["head.bias"])


def _gelu(x):
    from scipy.special import erf
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


WHISPER_FOLDED = {"attn.qkv": "attn.norm", "ffn.up": "ffn.norm"}


def forward_whisper(g: dict, c: dict, mel: np.ndarray, q_of) -> np.ndarray:
    """The whisper family's scores [13] (src/engine/arch.h), rounding the blocks' four
    Linears as forward() rounds the Conformer's (kinds qkv, out, up, down)."""
    x = np.asarray(mel, dtype=np.float64)
    nz = np.flatnonzero(np.any(x != 0, axis=-1))
    x = x[nz[0]:nz[-1] + 1]
    t = x.shape[0]
    p = np.maximum(np.exp(x) - 1e-8, 0) @ g["bridge.matrix"].T
    lg = np.log10(np.maximum(p, 1e-10))
    pos = np.clip((160 * np.arange(2 * t) - 199.5) / 320, 0, t - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, t - 1)
    f = (pos - lo)[:, None]
    u = (np.maximum(lg[lo] * (1 - f) + lg[hi] * f, g["bridge.floor"][0]) + 4) / 4
    y = _gelu(ref._conv1d(u.T, g["stem.conv1.weight"], g["stem.conv1.bias"], 1, 1))
    y = _gelu(ref._conv1d(y, g["stem.conv2.weight"], g["stem.conv2.bias"], 2, 1))
    x = y.T + g["positions"][: y.shape[1]]
    h, nh = c["n_hidden"], c["n_heads"]
    d, n = h // nh, x.shape[0]

    def linear(z, pre, module, kind):
        return rounded_linear(g, z, pre, module, WHISPER_FOLDED, q_of(kind))

    for i in range(c["n_blocks"]):
        pre = f"blocks.{i}"
        qkv = linear(x, pre, "attn.qkv", "qkv")
        qh, kh, vh = (qkv[:, j * h:(j + 1) * h].reshape(n, nh, d).transpose(1, 0, 2) for j in range(3))
        s = qh @ kh.transpose(0, 2, 1) / np.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        att = ((s / s.sum(-1, keepdims=True)) @ vh).transpose(1, 0, 2).reshape(n, h)
        x = x + linear(att, pre, "attn.out", "out")
        x = x + linear(_gelu(linear(x, pre, "ffn.up", "up")), pre, "ffn.down", "down")
    x = ref._layer_norm(x, g["final_norm.weight"], g["final_norm.bias"])
    z = _gelu(ref._layer_norm(x, g["heads.norm.weight"], g["heads.norm.bias"]) @ g["heads.proj.weight"].T
              + g["heads.proj.bias"])
    s = z @ g["heads.score.weight"].T + g["heads.score.bias"]
    e = np.exp(s - s.max(0, keepdims=True))
    w = e / e.sum(0, keepdims=True)
    logits = np.einsum("to,tp,op->o", w, z, g["heads.weight"]) + g["heads.bias"]
    return ref._sigmoid(logits)


def gate_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Rank AUC of the gate (ties counted half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum())
                 / (len(pos) * len(neg)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", type=Path)
    ap.add_argument("labels", type=Path, help="labels CSV; its test rows are scored")
    ap.add_argument("--clips", type=int, default=256)
    ap.add_argument("--schemes", nargs="+",
                    default=["row-sym8", "row-asym8", "blk16", "row-sym10", "row-sym12", "row-sym13", "8bit-on=up"])
    args = ap.parse_args()
    weights, _ = ref.read_safetensors(args.package / "model.safetensors")
    g = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    c = json.loads((args.package / "inherent.metadata.json").read_text())["config"]
    with open(args.labels, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "test"][: args.clips]
    fe = inherent.AudioFrontend()
    mels = [fe.wav_to_mel(args.labels.parent / r["audio_path"]) for r in rows]
    if c.get("family") == "ensemble":
        sys.exit(f"{args.package}: an ensemble; run this on each member's own package")
    if c.get("family") == "whisper":  # the engine scores its speech span (metadata "scoring")
        forward_fn = forward_whisper
        mels = [m[slice(*inherent.mel_speech_span(m))] for m in mels]
    else:
        forward_fn = forward
    exact = np.array([forward_fn(g, c, m, lambda kind: None) for m in mels])
    gate = np.array([int(r["isInteresting"]) for r in rows])
    print(f"{args.package}, {len(mels)} test clips; |score - unrounded score| over all heads; "
          f"gate AUC unrounded {gate_auc(exact[:, 0], gate):.4f}\n")
    print("| scheme | max | worst head mean | mean | passes the int8 gate | gate AUC |")
    print("|---|---|---|---|---|---|")
    for scheme in args.schemes:
        if scheme.startswith("8bit-on="):
            eight, q13, q8 = set(scheme[8:].split("+")), rounder("row-sym13"), rounder("row-sym8")
            q_of = lambda kind, eight=eight, q13=q13, q8=q8: q8 if kind in eight else q13  # noqa: E731
        else:
            q = rounder(scheme)
            q_of = lambda kind, q=q: q  # noqa: E731
        got = np.array([forward_fn(g, c, m, q_of) for m in mels])
        d = np.abs(got - exact)
        ok = d.max() <= 5e-3 and d.mean(0).max() <= 5e-4
        print(f"| {scheme} | {d.max():.2e} | {d.mean(0).max():.2e} | {d.mean():.2e} | {'yes' if ok else 'no'} | "
              f"{gate_auc(got[:, 0], gate):.4f} |",
              flush=True)


if __name__ == "__main__":
    main()
