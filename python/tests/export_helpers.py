# SPDX-License-Identifier: Apache-2.0
"""Shared by the export tests: the `inherent` CLI that exports, random weights files,
one export per (config, backend, options) cached for the whole session, the real
log-mels of the example clips, and the parity numbers every backend reports.

The CLI comes from $INHERENT_CLI or the dev preset's build (build/dev/tools/inherent/
inherent, built with INHERENT_BUILD_EXPORT=ON); the tests fail, not skip, without it.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import reference_model as ref

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_WAVS = sorted((REPO / "data" / "examples" / "audio").glob("*.wav"))
MAX_FRAMES = 3000
SEED = 20240601
_TMP = Path(tempfile.mkdtemp(prefix="inherent-export-tests-"))


def cli() -> Path:
    candidates = [os.environ.get("INHERENT_CLI", ""), REPO / "build" / "dev" / "tools" / "inherent" / "inherent"]
    for c in candidates:
        if c and Path(c).is_file():
            help_text = subprocess.run([str(c), "--help"], capture_output=True, text=True).stdout
            if " export " in help_text or "\n  export" in help_text:
                return Path(c)
    pytest.fail("no `inherent` CLI with the export command: build the dev preset (INHERENT_BUILD_EXPORT=ON) "
                "or set INHERENT_CLI to the binary", pytrace=False)


@functools.lru_cache(maxsize=None)
def weights_file(config: str, seed: int = SEED) -> Path:
    """A random weights file (arch names, config in __metadata__) and its tensors."""
    c = ref.CONFIGS[config]
    path = _TMP / f"{config}-{seed}.safetensors"
    meta = {k: str(v) for k, v in c.items()}
    meta["config_name"] = config
    ref.write_safetensors(path, ref.random_weights(c, seed), meta)
    return path


@functools.lru_cache(maxsize=None)
def weights(config: str, seed: int = SEED) -> dict[str, np.ndarray]:
    return ref.read_safetensors(weights_file(config, seed))[0]


@functools.lru_cache(maxsize=None)
def export(config: str, backend: str, *options: str, seed: int = SEED) -> Path:
    """Runs `inherent export` once per argument set; returns DIR/<backend>."""
    out = _TMP / ("-".join([config, backend, *options, str(seed)]).replace("/", "_"))
    if out.exists():
        shutil.rmtree(out)
    cmd = [str(cli()), "export", "--weights", str(weights_file(config, seed)), "--output-dir", str(out),
           "--backend", backend, *options]
    r = subprocess.run(cmd, capture_output=True, text=True, env=tool_env())
    if r.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}", pytrace=False)
    return out / backend


def tool_env() -> dict:
    """The CLI's environment: this Python (with mlx) and the litert-lm-builder beside it."""
    env = dict(os.environ)
    env.setdefault("INHERENT_PYTHON", sys.executable)
    builder = Path(sys.executable).parent / "litert-lm-builder"
    if builder.is_file():
        env.setdefault("INHERENT_LITERT_LM_BUILDER", str(builder))
    return env


def metadata(folder: Path) -> dict:
    return json.loads((folder / "inherent.metadata.json").read_text())


@functools.lru_cache(maxsize=None)
def example_mels() -> tuple[tuple[str, np.ndarray], ...]:
    """Real log-mels [T, 128] of every example clip, by the project's own frontend."""
    import inherent
    fe = inherent.AudioFrontend()
    assert EXAMPLE_WAVS, "no example clips in data/examples/audio"
    return tuple((p.stem, np.asarray(fe.wav_to_mel(str(p)), dtype=np.float32)) for p in EXAMPLE_WAVS)


def pad_to(mel: np.ndarray, frames: int = MAX_FRAMES) -> np.ndarray:
    out = np.zeros((frames, mel.shape[1]), dtype=np.float32)
    out[:len(mel)] = mel
    return out


@functools.lru_cache(maxsize=None)
def reference_scores(config: str, seed: int = SEED) -> np.ndarray:
    """float64 reference scores [n_clips, 13] of the example clips (unpadded)."""
    w, c = weights(config, seed), ref.CONFIGS[config]
    return np.stack([ref.scores(w, c, m) for _, m in example_mels()])


def report(label: str, got: np.ndarray, want: np.ndarray) -> tuple[float, float]:
    """max and mean |diff|, printed (pytest -s shows them; docs/export.md quotes them)."""
    d = np.abs(np.asarray(got, np.float64) - np.asarray(want, np.float64))
    print(f"parity {label}: max {d.max():.3e} mean {d.mean():.3e} over {d.size} scores")
    return float(d.max()), float(d.mean())
