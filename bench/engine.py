# SPDX-License-Identifier: Apache-2.0
"""The native engine against ONNX Runtime on the same weights, one thread, in one run.

For each config (tiny, small, base): random weights written as a model package by
`inherent fixtures`, exported to ONNX by `inherent export` (the project's exporter),
then the same log-mel windows scored by both runtimes. Timings alternate between the
two runtimes call by call, so both see the same machine; the table reports CPU time
per call (minimum and median), which is what one core spends, and the ratio.

    .venv/bin/python bench/engine.py --cli build/dev/tools/inherent/inherent
        [--configs tiny small base] [--seconds 1 10] [--repeats 200] [--json-out F]

Needs the `inherent` CLI built with INHERENT_BUILD_EXPORT=ON, the Python module
(`pip install .`) and onnxruntime.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import inherent

try:
    import onnxruntime as ort
except ImportError:  # pragma: no cover
    sys.exit("bench/engine.py needs onnxruntime (pip install onnxruntime)")


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    f0 = 130 + 30 * np.sin(2 * np.pi * 1.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / 16000
    y = sum(np.sin(h * phase) / h for h in range(1, 20)) * (0.6 + 0.4 * np.sin(2 * np.pi * 3.5 * t))
    return (0.1 * y + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def cpu_ms(fn) -> float:
    t0 = time.process_time_ns()
    fn()
    return (time.process_time_ns() - t0) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help="inherent CLI built with INHERENT_BUILD_EXPORT=ON")
    ap.add_argument("--configs", nargs="+", default=["tiny", "small", "base"])
    ap.add_argument("--seconds", nargs="+", type=float, default=[1.0, 10.0])
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--json-out")
    args = ap.parse_args()

    fe = inherent.AudioFrontend()
    rows = []
    with tempfile.TemporaryDirectory(prefix="inherent-bench-") as tmp:
        for config in args.configs:
            pkg = Path(tmp) / config
            subprocess.run([args.cli, "fixtures", "--config", config, "--seed", "1", "--out", str(pkg / "native")],
                           check=True, capture_output=True)
            subprocess.run([args.cli, "export", "--weights", str(pkg / "native" / "model.safetensors"), "--config",
                            config, "--backend", "onnx", "-o", str(pkg / "export"), "-q"], check=True)
            engine = inherent.Engine(pkg / "native")
            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            so.inter_op_num_threads = 1
            so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            sess = ort.InferenceSession(str(pkg / "export" / "onnx" / "model.onnx"), so,
                                        providers=["CPUExecutionProvider"])
            name = sess.get_inputs()[0].name
            for seconds in args.seconds:
                mel = fe.audio_to_mel(speech_like(seconds))
                batch = mel[None]
                ours = engine.score_mel(mel)
                theirs = sess.run(None, {name: batch})[0][0]
                diff = float(np.max(np.abs(ours - theirs)))
                repeats = max(10, int(args.repeats / seconds))
                for _ in range(5):  # warm up both
                    engine.score_mel(mel)
                    sess.run(None, {name: batch})
                a, b = [], []
                for _ in range(repeats):
                    a.append(cpu_ms(lambda: engine.score_mel(mel)))
                    b.append(cpu_ms(lambda: sess.run(None, {name: batch})))
                a.sort()
                b.sort()
                rows.append(dict(config=config, seconds=seconds, frames=len(mel), kernels=engine.kernels,
                                 inherent_min=a[0], inherent_median=a[len(a) // 2],
                                 onnxruntime_min=b[0], onnxruntime_median=b[len(b) // 2],
                                 max_score_diff=diff))

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    print(f"Machine: {cpu}; onnxruntime {ort.__version__}; inherent {inherent.__version__}; "
          f"one thread; CPU ms per call (min / median), calls alternating between the runtimes.\n")
    print("| config | window | inherent | ONNX Runtime | speedup (min / median) | max score diff |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['seconds']:g} s | {r['inherent_min']:.3f} / {r['inherent_median']:.3f} ms "
              f"({r['kernels']}) | {r['onnxruntime_min']:.3f} / {r['onnxruntime_median']:.3f} ms | "
              f"{r['onnxruntime_min'] / r['inherent_min']:.2f}x / {r['onnxruntime_median'] / r['inherent_median']:.2f}x "
              f"| {r['max_score_diff']:.1e} |")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
