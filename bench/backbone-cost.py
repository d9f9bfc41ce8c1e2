#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cost of the backbone model per window, beside the shipped `small`, both in ONNX
Runtime in the same run (docs/backbone.md, "Designs"), and the native engine's whisper
family on the same model when a package of it is given (docs/backbone.md, "In the engine").

    bench/backbone-cost.py [--heads out/backbone-designs/D2-ctc-detached.pt] [--threads 1]
    bench/backbone-cost.py --design pooled --heads out/backbone-24k/D1-pooled.pt \
        --engine out/backbone-24k/export/native

The backbone model (mapped stem + Whisper tiny.en's 4 encoder blocks + a head design
from bench/backbone-designs.py) is exported to ONNX from torch (opset 17, dynamic
frames), and timed on random log-mels of 1, 3 and 10 s against
data/models/small/onnx/model.onnx on the same inputs, one thread each. With --engine,
the package (`src/backbone/package.py` + `inherent export --backend native` of the same
heads) runs in the native engine through the Python module on the same inputs, its
scores checked against ONNX Runtime's. Prints a markdown table (median ms per window,
and the ratios) and writes OUT/cost.json.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src" / "backbone"))
import designs  # noqa: E402
import features  # noqa: E402


class BackboneModel(torch.nn.Module):
    """[1, T, 128] log-mel -> [1, 13] scores."""

    def __init__(self, backbone, heads):
        super().__init__()
        self.backbone, self.heads = backbone, heads

    def forward(self, mel):
        f = self.backbone(mel)
        mask = torch.ones(f.shape[:2], dtype=torch.bool)
        return torch.sigmoid(self.heads(f, mask)["logits"])


def time_session(sess, name, x, repeats):
    return time_call(lambda: sess.run(None, {name: x}), repeats)


def time_call(fn, repeats):
    fn()
    t = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1000)
    return statistics.median(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoder", default="out/whisper-bridge/encoder.safetensors")
    ap.add_argument("--stem", default="out/whisper-bridge/mapped-stem.safetensors")
    ap.add_argument("--heads", default="out/backbone-designs/D2-ctc-detached.pt")
    ap.add_argument("--design", default="ctc", choices=["ctc", "pooled"])
    ap.add_argument("--small", default="data/models/small/onnx/model.onnx")
    ap.add_argument("--out", default="out/backbone-cost")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--engine", help="the same model as a native package (whisper family) to time beside ONNX Runtime")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    heads = designs.CtcHeads() if args.design == "ctc" else designs.PooledHeads()
    if os.path.exists(args.heads):
        heads.load_state_dict(torch.load(args.heads))
    model = BackboneModel(features.Backbone(args.encoder, args.stem), heads).eval()
    onnx_path = out / "backbone.onnx"
    with torch.no_grad():
        torch.onnx.export(model, (torch.randn(1, 50, 128) - 5,), str(onnx_path), input_names=["mel_spectrogram"],
                          output_names=["intent_output"], dynamic_axes={"mel_spectrogram": {1: "frames"}},
                          opset_version=17, dynamo=False)
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = args.threads
    backbone = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    small = ort.InferenceSession(args.small, so, providers=["CPUExecutionProvider"])
    small_input = small.get_inputs()[0].name
    engine = None
    if args.engine:
        import inherent
        # Every frame scored, no minimum-evidence rule: the model alone, as ONNX Runtime runs it.
        engine = {p: inherent.Engine(args.engine, n_threads=args.threads, min_voiced_ms=0, trim_to_speech=False,
                                     precision=p) for p in ("float32", "int8")}
    rng = np.random.default_rng(0)
    rows = []
    for seconds in (1, 3, 10):
        x = (rng.standard_normal((1, 50 * seconds, 128)) * 2 - 6).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got = backbone.run(None, {"mel_spectrogram": x})[0]
        b = time_session(backbone, "mel_spectrogram", x, args.repeats)
        s = time_session(small, small_input, x, args.repeats)
        row = {"seconds": seconds, "backbone_ms": b, "small_ms": s, "ratio": b / s,
               "onnx_vs_torch_max_abs_diff": float(np.abs(got - ref).max())}
        for p, e in (engine or {}).items():
            row[f"engine_{p}_vs_onnx_max_abs_diff"] = float(np.abs(e.score_mel(x[0]) - got[0]).max())
            row[f"engine_{p}_ms"] = time_call(lambda: e.score_mel(x[0]), args.repeats)
            row[f"onnx_over_engine_{p}"] = b / row[f"engine_{p}_ms"]
        rows.append(row)
    # The stem's and heads' parameters, and the encoder's tensors past its own stem.
    params = sum(p.numel() for p in model.parameters()) + sum(
        v.numel() for k, v in model.backbone.encoder.t.items() if not k.startswith(("conv1", "conv2")))
    result = {"machine": platform.processor() or platform.machine(), "threads": args.threads,
              "onnxruntime": ort.__version__, "backbone_params": params, "rows": rows}
    if engine:
        result["engine"] = {"package": args.engine, "kernels": engine["float32"].kernels}
    (out / "cost.json").write_text(json.dumps(result, indent=1))
    print(f"ONNX Runtime {ort.__version__}, {args.threads} thread(s); backbone model {params / 1e6:.1f}M values"
          + (f"; native engine kernels {engine['float32'].kernels}" if engine else ""))
    extra = "".join(f" engine {p} ms | ONNX Runtime / engine {p} | engine {p} vs ONNX max |diff| |"
                    for p in engine or {})
    print("| window | backbone model ONNX Runtime ms | small ONNX Runtime ms | ratio | ONNX vs torch max |diff| |"
          + extra)
    print("|---|---|---|---|---|" + "---|---|---|" * len(engine or {}))
    for r in rows:
        line = (f"| {r['seconds']} s | {r['backbone_ms']:.2f} | {r['small_ms']:.2f} | {r['ratio']:.1f}x | "
                f"{r['onnx_vs_torch_max_abs_diff']:.1e} |")
        for p in engine or {}:
            line += (f" {r[f'engine_{p}_ms']:.2f} | {r[f'onnx_over_engine_{p}']:.2f}x | "
                     f"{r[f'engine_{p}_vs_onnx_max_abs_diff']:.1e} |")
        print(line)


if __name__ == "__main__":
    main()
