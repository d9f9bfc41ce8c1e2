# SPDX-License-Identifier: Apache-2.0
"""inherent's speech gate in MLX, loaded from an `inherent export --backend mlx` folder.

    import inherent_mlx
    model = inherent_mlx.load("export/mlx")   # model.safetensors + inherent.metadata.json
    scores = model(mel)                       # log-mels [T, 128] or [B, T, 128] -> [13] or [B, 13]
    model.decide(scores)                      # {"isInteresting": True, ...} with the shipped thresholds

`mel` comes from inherent's frontend (16 kHz, 25 ms window, 20 ms hop, 128 HTK mels,
natural log; see inherent.metadata.json "frontend"). Frames of 128 exact zeros are
padding: clips of different lengths batch by zero-padding at the end, and each scores
what it scores alone. Inputs longer than 3000 frames (60 s) are not part of the contract.
Model families (metadata config.family): the Conformer (`small`), the whisper family
(Whisper tiny.en's encoder behind a bridge; at most 1500 frames, each clip cut to the
frames between its padding and run alone, no exported function), and ensembles of
those (the weighted sum of their members' logits; no exported function when a member
is of the whisper family).

As a command, `python inherent_mlx.py FOLDER [--export-function [--output PATH]]` scores
nothing; it checks that the folder loads and, with --export-function, writes
FOLDER/model-3000.mlxfn (or PATH):
the forward pass as an MLX exported function for input [1, 3000, 128] (pad clips with
zero frames), which `mx.import_function` loads without this module.

The forward pass is the contract of src/engine/arch.h in inherent's sources; the
weights keep its tensor names and layouts (Linear [out, in], Conv1d [out, in / groups,
kernel]) and are rearranged for MLX's channels-last convolutions at load time.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import mlx.core as mx

LAYER_NORM_EPS = 1e-5
MASKED_LOGIT = -1e9  # padded steps: finite, and exp() of it next to a real logit is exactly 0
MAX_FRAMES = 3000
WEIGHTS_FILE = "model.safetensors"
METADATA_FILE = "inherent.metadata.json"
FUNCTION_FILE = "model-3000.mlxfn"


def _positions(n: int, h: int) -> mx.array:
    """pe[t, 2i] = sin(t / 10000^(2i/H)), pe[t, 2i+1] = cos(same), in float64, rounded to float32."""
    rows = []
    for t in range(n):
        row = []
        for i in range(0, h, 2):
            angle = t / math.pow(10000.0, i / h)
            row += [math.sin(angle), math.cos(angle)]
        rows.append(row[:h])
    return mx.array(rows, dtype=mx.float32)


def _silu(x: mx.array) -> mx.array:
    return x * mx.sigmoid(x)


class InherentModel:
    """The Conformer: log-mels [B, T, 128] -> 13 sigmoid scores per clip, in head order."""

    def __init__(self, weights: dict[str, mx.array], metadata: dict):
        self._read_metadata(metadata)
        c = self.config
        self.h, self.n_heads, self.n_blocks = c["n_hidden"], c["n_heads"], c["n_blocks"]
        w = {k: v.astype(mx.float32) for k, v in weights.items()}
        for name in ["subsample.conv1.weight", "subsample.conv2.weight"] + [
                f"blocks.{b}.conv.depthwise.weight" for b in range(self.n_blocks)]:
            # [O, C, K] -> [O, K, C] (MLX channels-last), copied: mx.export_function
            # (0.32) stores a strided view's buffer without its strides.
            w[name] = mx.contiguous(w[name].transpose(0, 2, 1))
        self.w = w
        self._pe = _positions((MAX_FRAMES + 3) // 4, self.h)
        mx.eval(list(w.values()), self._pe)  # materialize now (lazy loads cannot be exported)

    def _read_metadata(self, metadata: dict) -> None:
        """Config, head order and the shipped thresholds, as every family keeps them."""
        self.metadata = metadata
        self.config = metadata["config"]
        self.head_order = list(metadata["head_order"])
        self.threshold_keys = list(metadata["threshold_keys"])
        self.thresholds = [float(metadata["default_thresholds"][k]) for k in self.threshold_keys]

    # ---- pieces ----

    def _linear(self, name: str, x: mx.array) -> mx.array:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def _norm(self, name: str, x: mx.array) -> mx.array:
        return mx.fast.layer_norm(x, self.w[name + ".weight"], self.w[name + ".bias"], LAYER_NORM_EPS)

    def _ffn(self, p: str, x: mx.array) -> mx.array:
        return self._linear(p + ".down", _silu(self._linear(p + ".up", self._norm(p + ".norm", x))))

    def _attention(self, p: str, x: mx.array, valid: mx.array) -> mx.array:
        b, t, h = x.shape
        n, d = self.n_heads, h // self.n_heads
        q, k, v = mx.split(self._linear(p + ".qkv", self._norm(p + ".norm", x)), 3, axis=-1)
        q, k, v = (y.reshape(b, t, n, d).transpose(0, 2, 1, 3) for y in (q, k, v))  # [B, N, T, D]
        s = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(d))
        s = mx.where(valid[:, None, None, :], s, MASKED_LOGIT)
        y = mx.softmax(s, axis=-1) @ v  # [B, N, T, D]
        return self._linear(p + ".out", y.transpose(0, 2, 1, 3).reshape(b, t, h))

    def _conv(self, p: str, x: mx.array, valid: mx.array) -> mx.array:
        a, g = mx.split(self._linear(p + ".pointwise1", self._norm(p + ".norm1", x)), 2, axis=-1)
        y = a * mx.sigmoid(g) * valid[..., None]  # padded steps are zero before the temporal mix
        k = self.config["conv_kernel"]
        y = mx.conv1d(y, self.w[p + ".depthwise.weight"], padding=k // 2, groups=self.h) + self.w[p + ".depthwise.bias"]
        return self._linear(p + ".pointwise2", _silu(self._norm(p + ".norm2", y)))

    # ---- the forward pass ----

    def logits(self, mel: mx.array) -> mx.array:
        """[B, T, 128] -> [B, 13]"""
        x = mx.array(mel, dtype=mx.float32)
        valid = mx.any(x != 0, axis=-1)  # [B, T]: a frame of exact zeros is padding
        x = mx.where(valid[..., None], (x - self.w["mel_norm.mean"]) / self.w["mel_norm.std"], 0.0)
        valid1 = valid[:, ::2]
        valid2 = valid1[:, ::2]
        x = _silu(mx.conv1d(x, self.w["subsample.conv1.weight"], stride=2, padding=1) + self.w["subsample.conv1.bias"])
        x = x * valid1[..., None]
        x = _silu(mx.conv1d(x, self.w["subsample.conv2.weight"], stride=2, padding=1) + self.w["subsample.conv2.bias"])
        x = x * valid2[..., None]  # [B, T2, H]
        steps = x.shape[1]
        if steps > self._pe.shape[0]:
            self._pe = _positions(steps, self.h)
        x = x + self._pe[:steps]
        for i in range(self.n_blocks):
            p = f"blocks.{i}"
            x = x + 0.5 * self._ffn(p + ".ffn1", x)
            x = x + self._attention(p + ".attn", x, valid2)
            x = x + self._conv(p + ".conv", x, valid2)
            x = x + 0.5 * self._ffn(p + ".ffn2", x)
            x = self._norm(p + ".norm", x)
        x = self._norm("final_norm", x)
        s = self._linear("pool.score", x)[..., 0]  # [B, T2]
        w = mx.softmax(mx.where(valid2, s, MASKED_LOGIT), axis=-1)
        pooled = (w[:, None, :] @ x)[:, 0, :]  # [B, H]
        return self._linear("head", pooled)

    def __call__(self, mel) -> mx.array:
        x = mx.array(mel, dtype=mx.float32)
        if x.ndim == 2:
            return mx.sigmoid(self.logits(x[None]))[0]
        return mx.sigmoid(self.logits(x))

    def decide(self, scores) -> dict[str, bool]:
        """The decision rule of the metadata: head i fires when scores[i] >= its threshold;
        the intent heads (1..12) count only when head 0 fires."""
        s = [float(v) for v in mx.array(scores).tolist()]
        gate = s[0] >= self.thresholds[0]
        return {name: (s[i] >= self.thresholds[i]) and (i == 0 or gate) for i, name in enumerate(self.head_order)}


def _gelu(x: mx.array) -> mx.array:
    """Exact (erf) GELU, as Whisper's encoder uses."""
    return 0.5 * x * (1.0 + mx.erf(x * (1.0 / math.sqrt(2.0))))


class WhisperModel(InherentModel):
    """The whisper family: the bridge from the same log-mel onto Whisper's 80 bins at
    10 ms, Whisper tiny.en's stem and pre-norm blocks, per-head attentive pooling. Clips
    run one at a time: frames of exact zeros at either end are cut first (Whisper's
    blocks have no padding mask), so a batch scores what each clip scores alone."""

    POWER_FLOOR = 1e-8  # the frontend added it before its log
    # Whisper frame 2t reads position t - 0.6234375 of ours, frame 2t + 1 position
    # t - 0.1234375 ((160 j - 199.5) / 320): weights on frames t - 1 and t.
    BLENDS = (0.6234375, 0.1234375)

    def __init__(self, weights: dict[str, mx.array], metadata: dict):
        self._read_metadata(metadata)
        c = self.config
        self.h, self.n_heads, self.n_blocks = c["n_hidden"], c["n_heads"], c["n_blocks"]
        w = {k: v.astype(mx.float32) for k, v in weights.items()}
        for name in ("stem.conv1.weight", "stem.conv2.weight"):
            w[name] = mx.contiguous(w[name].transpose(0, 2, 1))  # [O, C, K] -> [O, K, C]
        self.w = w
        self.max_frames = w["positions"].shape[0]
        mx.eval(list(w.values()))

    def _attention(self, p: str, x: mx.array) -> mx.array:
        t, h = x.shape
        n, d = self.n_heads, h // self.n_heads
        q, k, v = mx.split(self._linear(p + ".qkv", self._norm(p + ".norm", x)), 3, axis=-1)
        q, k, v = (y.reshape(t, n, d).transpose(1, 0, 2) for y in (q, k, v))  # [N, T, D]
        y = mx.softmax((q @ k.transpose(0, 2, 1)) * (1.0 / math.sqrt(d)), axis=-1) @ v
        return self._linear(p + ".out", y.transpose(1, 0, 2).reshape(t, h))

    def _bridge(self, x: mx.array) -> mx.array:
        """[T, M] log-mel -> [2T, W] Whisper's scaled log-mel."""
        power = mx.maximum(mx.exp(x) - self.POWER_FLOOR, 0.0)
        l = mx.log10(mx.maximum(power @ self.w["bridge.matrix"].T, 1e-10))  # [T, W]
        prev = mx.concatenate([l[:1], l[:-1]], axis=0)
        even, odd = ((a * prev + (1.0 - a) * l) for a in self.BLENDS)
        grid = mx.stack([even, odd], axis=1).reshape(-1, l.shape[1])
        return (mx.maximum(grid, self.w["bridge.floor"]) + 4.0) / 4.0

    def _clip_logits(self, mel: mx.array) -> mx.array:
        """One clip's [T, 128] -> [13]."""
        valid = [i for i, v in enumerate(mx.any(mel != 0, axis=-1).tolist()) if v]
        if not valid:
            raise ValueError("every frame is padding (all 128 values exactly 0): nothing to score")
        x = mel[valid[0]: valid[-1] + 1]
        if x.shape[0] > self.max_frames:
            raise ValueError(f"{x.shape[0]} frames is longer than the {self.max_frames} this model reads")
        u = self._bridge(x)[None]
        u = _gelu(mx.conv1d(u, self.w["stem.conv1.weight"], padding=1) + self.w["stem.conv1.bias"])
        u = _gelu(mx.conv1d(u, self.w["stem.conv2.weight"], stride=2, padding=1) + self.w["stem.conv2.bias"])
        x = u[0] + self.w["positions"][: u.shape[1]]  # [T, H]
        for i in range(self.n_blocks):
            p = f"blocks.{i}"
            x = x + self._attention(p + ".attn", x)
            x = x + self._linear(p + ".ffn.down", _gelu(self._linear(p + ".ffn.up", self._norm(p + ".ffn.norm", x))))
        x = self._norm("final_norm", x)
        z = _gelu(self._linear("heads.proj", self._norm("heads.norm", x)))  # [T, P]
        weights = mx.softmax(self._linear("heads.score", z), axis=0)  # [T, O]
        values = z @ self.w["heads.weight"].T  # [T, O]
        return (weights * values).sum(axis=0) + self.w["heads.bias"]

    def logits(self, mel: mx.array) -> mx.array:
        """[B, T, 128] -> [B, 13]"""
        x = mx.array(mel, dtype=mx.float32)
        return mx.stack([self._clip_logits(x[b]) for b in range(x.shape[0])])


class EnsembleModel(InherentModel):
    """An ensemble: its members (config keys and tensors under "members.<i>.") read the
    same log-mels; the logits are their weighted sum (config "members.<i>.weight")."""

    def __init__(self, weights: dict[str, mx.array], metadata: dict):
        self._read_metadata(metadata)
        c = self.config
        self.members, self.weights = [], []
        for i in range(int(c["members"])):
            p = f"members.{i}."
            cfg = {k[len(p):]: v for k, v in c.items() if k.startswith(p) and k != p + "weight"}
            part = {k[len(p):]: v for k, v in weights.items() if k.startswith(p)}
            self.members.append(_family_class(cfg.get("family", "conformer"), METADATA_FILE)(
                part, dict(metadata, config=cfg)))
            self.weights.append(float(c[p + "weight"]))
        self.has_whisper = any(isinstance(m, WhisperModel) for m in self.members)

    def logits(self, mel: mx.array) -> mx.array:
        """[B, T, 128] -> [B, 13]"""
        return sum(w * m.logits(mel) for m, w in zip(self.members, self.weights))


def _family_class(family: str, where: str):
    model = {"conformer": InherentModel, "whisper": WhisperModel, "ensemble": EnsembleModel}.get(family)
    if model is None:
        raise ValueError(f"{where}: config.family '{family}' is not one this module runs")
    return model


def load(folder: str | Path) -> InherentModel:
    folder = Path(folder)
    metadata = json.loads((folder / METADATA_FILE).read_text())
    model = _family_class(metadata["config"].get("family", "conformer"), str(folder / METADATA_FILE))
    return model(mx.load(str(folder / WEIGHTS_FILE)), metadata)


def export_function(folder: str | Path, path: str | Path | None = None) -> Path:
    """Writes FOLDER/model-3000.mlxfn (or `path`): scores = f(mel [1, 3000, 128])."""
    folder = Path(folder)
    model = load(folder)
    if isinstance(model, WhisperModel) or getattr(model, "has_whisper", False):
        raise ValueError("the whisper family cuts each clip's padding, which a fixed-shape function cannot: "
                         "use inherent_mlx.load(folder)")
    path = Path(path) if path else folder / FUNCTION_FILE
    meta = {k: model.metadata[k] for k in ("model_version", "head_order", "threshold_keys", "default_thresholds")}
    mx.export_function(str(path), model, mx.zeros((1, MAX_FRAMES, model.config["n_mels"])), metadata=json.dumps(meta))
    return path


def _main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    try:
        model = load(argv[0])
        mx.eval(model(mx.zeros((1, 8, model.config["n_mels"])) + 1.0))
        if "--export-function" in argv[1:]:
            out = argv[argv.index("--output") + 1] if "--output" in argv else None
            print(export_function(argv[0], out))
    except (OSError, ValueError) as e:  # a folder that does not load, or a family without a function
        print(f"inherent_mlx: {argv[0]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
