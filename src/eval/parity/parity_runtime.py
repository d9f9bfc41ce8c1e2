# SPDX-License-Identifier: Apache-2.0
"""Scores log-mels with an exported artifact in its official runtime, for `inherent parity`.

The C++ command writes the clips' log-mels (made by inherent's one frontend) and runs
this script with the Python that has the runtimes (onnxruntime, ai-edge-litert, mlx).
Nothing here computes features: it only feeds the given frames to the runtime.

  python parity_runtime.py --backend onnx|litert|mlx --artifact FILE \
      --mels MELS.npy --lengths LENGTHS.npy --pad FRAMES --input NAME --output NAME \
      --scores-out SCORES.npy --info-out INFO.json

MELS.npy: float32 [sum of frames, 128], the clips one after another; LENGTHS.npy:
float32 [n] frames per clip; --pad 0 runs each clip at its own length, else zero-pads it
to FRAMES (the artifact's fixed input). SCORES.npy: float32 [n, 13].
Exit codes: 0 scored, 1 the runtime failed or is missing, 2 usage.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np


def clips(mels: np.ndarray, lengths: np.ndarray):
    start = 0
    for n in lengths.astype(np.int64):
        yield mels[start:start + n]
        start += n


def padded(mel: np.ndarray, pad: int) -> np.ndarray:
    if pad <= 0:
        return mel[None]
    if len(mel) > pad:
        raise ValueError(f"a clip has {len(mel)} frames, more than the artifact's {pad}")
    x = np.zeros((1, pad, mel.shape[1]), dtype=np.float32)
    x[0, :len(mel)] = mel
    return x


def run_onnx(a, inputs):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # scores must not depend on the machine's cores
    session = ort.InferenceSession(a.artifact, options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if a.input not in names:
        raise ValueError(f"{a.artifact}: no input named {a.input!r} (inputs: {names})")
    out = [session.run([a.output], {a.input: x})[0][0] for x in inputs]
    return out, {"runtime": f"onnxruntime {ort.__version__}", "providers": session.get_providers()}


def run_litert(a, inputs):
    from ai_edge_litert import interpreter as litert
    it = litert.Interpreter(model_path=a.artifact, num_threads=1)
    ins = {d["name"]: d for d in it.get_input_details()}
    outs = {d["name"]: d for d in it.get_output_details()}
    if a.input not in ins or a.output not in outs:
        raise ValueError(f"{a.artifact}: no tensors {a.input!r} -> {a.output!r} (inputs {list(ins)}, outputs {list(outs)})")
    index, result = ins[a.input]["index"], outs[a.output]["index"]
    shape = None
    out = []
    for x in inputs:
        if list(x.shape) != shape:  # resize only when the length changes (the signature is [1, -1, 128])
            it.resize_tensor_input(index, list(x.shape))
            it.allocate_tensors()
            shape = list(x.shape)
        it.set_tensor(index, x)
        it.invoke()
        out.append(it.get_tensor(result)[0].copy())
    ops = [op["op_name"] for op in it._get_ops_details()]
    version = getattr(sys.modules.get("ai_edge_litert"), "__version__", "")
    return out, {"runtime": f"ai-edge-litert {version}".strip(), "delegated": "DELEGATE" in ops}


def run_mlx(a, inputs):
    import mlx.core as mx
    path = Path(a.artifact)
    if path.suffix == ".mlxfn":  # the exported function: [1, 3000, 128] -> [1, 13]
        fn = mx.import_function(str(path))
        out = [np.array(fn(mx.array(x))[0])[0] for x in inputs]
        return out, {"runtime": f"mlx {mx.__version__} (exported function)", "device": str(mx.default_device())}
    folder = path if path.is_dir() else path.parent
    sys.path.insert(0, str(folder))
    import inherent_mlx  # the module the export wrote beside the weights
    model = inherent_mlx.load(folder)
    out = [np.array(model(x))[0] for x in inputs]
    return out, {"runtime": f"mlx {mx.__version__} (inherent_mlx module)", "device": str(mx.default_device())}


RUNNERS = {"onnx": run_onnx, "litert": run_litert, "mlx": run_mlx}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description="Score log-mels with an exported inherent artifact in its runtime.")
    p.add_argument("--backend", required=True, choices=sorted(RUNNERS))
    p.add_argument("--artifact", required=True)
    p.add_argument("--mels", required=True)
    p.add_argument("--lengths", required=True)
    p.add_argument("--pad", type=int, default=0)
    p.add_argument("--input", default="mel_spectrogram")
    p.add_argument("--output", default="intent_output")
    p.add_argument("--scores-out", required=True)
    p.add_argument("--info-out", required=True)
    a = p.parse_args(argv)
    try:
        mels = np.load(a.mels).astype(np.float32, copy=False)
        lengths = np.load(a.lengths)
        if mels.ndim != 2 or lengths.ndim != 1 or int(lengths.sum()) != len(mels):
            raise ValueError(f"{a.mels}, {a.lengths}: frames and lengths do not agree")
        inputs = [np.ascontiguousarray(padded(m, a.pad), dtype=np.float32) for m in clips(mels, lengths)]
        scores, info = RUNNERS[a.backend](a, inputs)
        scores = np.stack([np.asarray(s, dtype=np.float32).reshape(-1) for s in scores])
    except Exception as e:  # the C++ side prints this line as the reason
        print(f"{a.backend} runtime: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    info["python"] = sys.version.split()[0]
    for path, write in ((a.scores_out, lambda f: np.save(f, scores)),
                        (a.info_out, lambda f: f.write(json.dumps(info).encode()))):
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
