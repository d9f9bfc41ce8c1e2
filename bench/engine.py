# SPDX-License-Identifier: Apache-2.0
"""The native engine against the official runtimes on the same weights, in one run.

For each config (tiny, small, base; on request whisper-tiny.en, the whisper family at
Whisper tiny.en's size, and backbone, the shipped backbone model's shape: an even
ensemble of whisper-tiny.en and small): random weights written as a model package by
`inherent fixtures`, exported by `inherent export` (the project's exporters) to ONNX,
LiteRT (float32, and int8 dynamic-range) and MLX, then the same log-mel windows scored
by every runtime: our engine in float32 and in int8 precision, ONNX Runtime (CPU
provider), LiteRT (ai-edge-litert, XNNPACK), MLX (CPU) and LibTorch eager (the trainer's C++ model, bench/bench-torch, run by this script
right after the others on the same window), each asked for one thread. Timings of the
Python-side runtimes alternate call by call, so all see the same machine; the table
reports CPU time per call (minimum and median, all threads of the process counted) and
each runtime's ratio to ours. A second table gives each runtime's cold start (load and
first window) and peak RSS, measured in a fresh process per runtime.

    .venv/bin/python bench/engine.py --cli build/dev/tools/inherent/inherent
        [--configs tiny small base whisper-tiny.en] [--seconds 1 10] [--repeats 200]
        [--runtimes onnxruntime litert mlx libtorch] [--bench-torch PATH] [--json-out F]

Needs the `inherent` CLI built with INHERENT_BUILD_EXPORT=ON and the Python module
(`pip install .`); a runtime whose package is missing, or that cannot take a config
(LibTorch and LiteRT int8 for the whisper family), is reported and left out of that row.
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


def load_litert(folder: Path, file: str = "model.tflite"):
    """Scores one window with the dynamic-shape LiteRT export, resized per window length."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(folder / file), num_threads=1)
    inp, res = it.get_input_details()[0], it.get_output_details()[0]
    shape = [None]

    def run(batch):
        if shape[0] != batch.shape:
            it.resize_tensor_input(inp["index"], list(batch.shape))
            it.allocate_tensors()
            shape[0] = batch.shape
        it.set_tensor(inp["index"], batch)
        it.invoke()
        return it.get_tensor(res["index"])[0]

    return run


def load_mlx(folder: Path):
    """The exported MLX module (what an Apple-platform app imports), on MLX's CPU device."""
    import importlib.util

    import mlx.core as mx

    mx.set_default_device(mx.cpu)
    spec = importlib.util.spec_from_file_location("inherent_mlx_bench", folder / "inherent_mlx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load(folder)
    return lambda batch: np.array(model(batch[0]))


def load_onnx(folder: Path):
    """ONNX Runtime's CPU provider on the dynamic-frames export, one thread."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(folder / "model.onnx"), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return lambda batch: sess.run(None, {name: batch})[0][0]


def load_inherent(folder: Path):
    engine = inherent.Engine(folder)
    return lambda batch: engine.score_mel(batch[0])


def load_inherent_int8(folder: Path):
    engine = inherent.Engine(folder, precision="int8")
    return lambda batch: engine.score_mel(batch[0])


def load_litert_int8(folder: Path):
    return load_litert(folder, "model_int8.tflite")


# runtime -> (export backend, loader, extra `inherent export` arguments)
LOADERS = {"onnxruntime": ("onnx", load_onnx, []), "litert": ("litert", load_litert, []),
           "litert-int8": ("litert", load_litert_int8, ["--quantization", "int8"]), "mlx": ("mlx", load_mlx, []),
           "inherent": ("native", load_inherent, []), "inherent-int8": ("native", load_inherent_int8, [])}
NAMES = {"inherent-int8": "inherent int8", "onnxruntime": "ONNX Runtime", "litert": "LiteRT (XNNPACK)",
         "litert-int8": "LiteRT int8 (dynamic range)", "mlx": "MLX (CPU)", "libtorch": "LibTorch eager"}


def libtorch_times(binary: Path, weights: Path, mel: np.ndarray, repeats: int, tmp: Path) -> dict:
    """bench-torch on one window: {"min_ms", "median_ms", "scores"}."""
    path = tmp / "window.npy"
    np.save(path, np.ascontiguousarray(mel, dtype=np.float32))
    done = subprocess.run([str(binary), str(weights), str(path), str(repeats)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


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


def status_kb(key: str) -> int:
    """A VmRSS / VmHWM line of /proc/self/status, in KiB."""
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def probe(runtime: str, folder: Path, seconds: float) -> None:
    """In a fresh process: cold start (load + first window) and peak RSS of one runtime.
    The runtime's module is imported first, so the RSS growth is the model's and the
    runtime's working memory, not the interpreter's."""
    mel = inherent.AudioFrontend().audio_to_mel(speech_like(seconds))
    batch = np.ascontiguousarray(mel[None], dtype=np.float32)
    if runtime == "litert":
        from ai_edge_litert.interpreter import Interpreter  # noqa: F401
    elif runtime == "mlx":
        import mlx.core  # noqa: F401
    base = status_kb("VmRSS")
    t0 = time.perf_counter()
    run = LOADERS[runtime][1](folder)
    t1 = time.perf_counter()
    run(batch)
    t2 = time.perf_counter()
    print(json.dumps(dict(load_ms=(t1 - t0) * 1e3, first_ms=(t2 - t1) * 1e3, rss_base_mb=base / 1024,
                          peak_rss_mb=status_kb("VmHWM") / 1024, growth_mb=(status_kb("VmHWM") - base) / 1024)))


def cold_starts(cli: str, configs: list[str], runtimes: list[str], tmp: Path) -> list[dict]:
    """One fresh process per runtime and config (1 s window)."""
    out = []
    for config in configs:
        pkg = tmp / ("cold-" + config)
        subprocess.run([cli, "fixtures", "--config", config, "--seed", "1", "--out", str(pkg / "native")],
                       check=True, capture_output=True)
        for runtime in ["inherent", *[r for r in runtimes if r != "libtorch"]]:
            backend, _, extra = LOADERS[runtime]
            folder = pkg / "native"
            if backend != "native":
                dest = pkg / ("export-" + runtime)
                folder = dest / backend
                if not folder.exists() and subprocess.run(
                        [cli, "export", "--weights", str(pkg / "native" / "model.safetensors"), "--config", config,
                         "--backend", backend, *extra, "-o", str(dest), "-q"], capture_output=True).returncode != 0:
                    continue  # the timing table says why
            done = subprocess.run([sys.executable, __file__, "--probe", runtime, str(folder)], capture_output=True,
                                  text=True)
            if done.returncode == 0:
                out.append(dict(config=config, runtime=runtime, **json.loads(done.stdout.strip().splitlines()[-1])))
            else:  # say so rather than leave a silent gap in the table
                why = (done.stderr.strip().splitlines() or ["no output"])[-1]
                print(f"cold start of {runtime} ({config}) failed: {why}", file=sys.stderr)
    return out


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--probe":
        probe(sys.argv[2], Path(sys.argv[3]), 1.0)
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help="inherent CLI built with INHERENT_BUILD_EXPORT=ON")
    ap.add_argument("--configs", nargs="+", default=["tiny", "small", "base"],
                    choices=["tiny", "small", "base", "whisper-tiny.en", "backbone"])
    ap.add_argument("--seconds", nargs="+", type=float, default=[1.0, 10.0])
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--runtimes", nargs="+", default=["inherent-int8", "onnxruntime", "litert", "litert-int8", "mlx",
                                                      "libtorch"], choices=list(NAMES))
    ap.add_argument("--bench-torch", help="bench-torch binary (default: bench/bench-torch in the CLI's build dir)")
    ap.add_argument("--json-out")
    args = ap.parse_args()

    fe = inherent.AudioFrontend()
    rows, skipped = [], {}
    bench_torch = Path(args.bench_torch) if args.bench_torch else Path(args.cli).resolve().parents[2] / "bench" / "bench-torch"
    use_torch = "libtorch" in args.runtimes
    if use_torch and not bench_torch.exists():
        skipped["libtorch"] = [f"{bench_torch} not built (INHERENT_BUILD_TRAIN and INHERENT_BUILD_BENCH)"]
        use_torch = False
    with tempfile.TemporaryDirectory(prefix="inherent-bench-") as tmp:
        for config in args.configs:
            pkg = Path(tmp) / config
            subprocess.run([args.cli, "fixtures", "--config", config, "--seed", "1", "--out", str(pkg / "native")],
                           check=True, capture_output=True)
            engine = inherent.Engine(pkg / "native")
            peers = {}
            for runtime in args.runtimes:
                if runtime == "libtorch":
                    continue
                backend, loader, extra = LOADERS[runtime]
                folder = pkg / "native"
                if backend != "native":
                    dest = pkg / ("export-" + runtime)
                    folder = dest / backend
                    done = subprocess.run([args.cli, "export", "--weights", str(pkg / "native" / "model.safetensors"),
                                           "--config", config, "--backend", backend, *extra, "-o", str(dest), "-q"],
                                          capture_output=True, text=True)
                    if done.returncode != 0:
                        why = done.stderr.strip().splitlines()[-1:] or ["export failed"]
                        skipped[f"{runtime} ({config})"] = why
                        continue
                try:
                    peers[runtime] = loader(folder)
                except ImportError as e:
                    skipped[f"{runtime} ({config})"] = [f"not installed ({e.name})"]
            for seconds in args.seconds:
                mel = fe.audio_to_mel(speech_like(seconds))
                batch = np.ascontiguousarray(mel[None], dtype=np.float32)
                ours = engine.score_mel(mel)
                row = dict(config=config, seconds=seconds, frames=len(mel), kernels=engine.kernels)
                repeats = max(10, int(args.repeats / seconds))
                for _ in range(3):  # warm up every runtime
                    engine.score_mel(mel)
                    for run in peers.values():
                        run(batch)
                times = {k: [] for k in ["inherent", *peers]}
                for _ in range(repeats):
                    times["inherent"].append(cpu_ms(lambda: engine.score_mel(mel)))
                    for k, run in peers.items():
                        times[k].append(cpu_ms(lambda run=run: run(batch)))
                for k, v in times.items():
                    v.sort()
                    row[f"{k}_min"], row[f"{k}_median"] = v[0], v[len(v) // 2]
                    if k != "inherent":
                        row[f"{k}_max_score_diff"] = float(np.max(np.abs(ours - peers[k](batch))))
                if use_torch and config in ("whisper-tiny.en", "backbone"):
                    skipped[f"libtorch ({config})"] = ["the trainer builds no whisper-family or ensemble model"]
                elif use_torch:
                    t = libtorch_times(bench_torch, pkg / "native" / "model.safetensors", mel, repeats, Path(tmp))
                    row["libtorch_min"], row["libtorch_median"] = t["min_ms"], t["median_ms"]
                    row["libtorch_max_score_diff"] = float(np.max(np.abs(ours - np.array(t["scores"]))))
                rows.append(row)
        cold = cold_starts(args.cli, args.configs, args.runtimes, Path(tmp))

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    peers_run = [k for k in args.runtimes if any(f"{k}_min" in r for r in rows)]
    print(f"Machine: {cpu}; inherent {inherent.__version__}; onnxruntime {ort.__version__}; one thread asked of "
          f"each runtime; CPU ms per call (min / median), calls alternating between the runtimes; "
          f"ratio = runtime / inherent float32 (median). Random weights, not snapped to the int8 grid, so the "
          f"int8 score diffs include weight rounding (docs/engine.md has the shipped model's).\n")
    exact = [k for k in peers_run if "int8" not in k]
    quant = [k for k in peers_run if "int8" in k]
    vs_int8 = "onnxruntime" in peers_run and "inherent-int8" in peers_run
    print("| config | window | inherent | " + " | ".join(NAMES[k] for k in peers_run) +
          " | max score diff, float | max score diff, int8 |" + (" ONNX Runtime / inherent int8 |" if vs_int8 else ""))
    print("|---|---|---|" + "---|" * len(peers_run) + "---|---|" + ("---|" if vs_int8 else ""))
    for r in rows:
        cells = [f"{r[k + '_min']:.3f} / {r[k + '_median']:.3f} ms ({r[k + '_median'] / r['inherent_median']:.2f}x)"
                 if k + "_min" in r else "-" for k in peers_run]
        diff = max((r[k + "_max_score_diff"] for k in exact if k + "_min" in r), default=0.0)
        diff8 = max((r[k + "_max_score_diff"] for k in quant if k + "_min" in r), default=0.0)
        ratio8 = (f" {r['onnxruntime_median'] / r['inherent-int8_median']:.2f}x |"
                  if "onnxruntime_min" in r and "inherent-int8_min" in r else " - |") if vs_int8 else ""
        print(f"| {r['config']} | {r['seconds']:g} s | {r['inherent_min']:.3f} / {r['inherent_median']:.3f} ms "
              f"({r['kernels']}) | " + " | ".join(cells) + f" | {diff:.1e} | {diff8:.1e} |" + ratio8)
    print("\nCold start and memory, one fresh process per runtime and config: load = model file to a ready "
          "session, first = the first 1 s window; RSS growth = peak RSS minus the RSS after importing the runtime.\n")
    print("| config | runtime | load ms | first window ms | RSS growth MB | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for c in cold:
        print(f"| {c['config']} | {NAMES.get(c['runtime'], 'inherent')} | {c['load_ms']:.1f} | {c['first_ms']:.1f} | "
              f"{c['growth_mb']:.1f} | {c['peak_rss_mb']:.0f} |")
    for k, why in skipped.items():
        runtime, _, config = k.partition(" ")
        print(f"\n{NAMES.get(runtime, runtime)} {config}: left out: {' '.join(why)}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(dict(rows=rows, cold_start=cold, skipped=skipped), indent=2))


if __name__ == "__main__":
    main()
