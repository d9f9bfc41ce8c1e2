#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One pass vs two pass on the same held-out clips, clean and with noise (docs/baseline.md).

    bench/one-vs-two-pass.py MODEL_PKG TRAIN_LABELS HELDOUT_LABELS OUT_DIR [LIMIT]

1. `inherent noisy` copies the first LIMIT (default 300) test rows of HELDOUT_LABELS
   clean and at 0, 5, 10 and 20 dB SNR (recorded noise from --noise-dir, else the
   augmentation library's synthetic noises), and the first LIMIT/2 eval rows clean (the
   two-pass system's calibration clips). Every system reads these very files.
2. One pass: `inherent eval` with the native package MODEL_PKG at the thresholds of its
   metadata, 1 thread; per-clip latency = scoring time / clips (reading the file, the
   log-mel frontend and the forward pass).
3. Two pass (bench/two-pass.sh's steps): `inherent baseline train` on the train rows of
   TRAIN_LABELS; `baseline score --thresholds-out` on the calibration clips picks each
   head's threshold with the rule of `inherent thresholds` (f1-at-recall, recall >= 0.95);
   then `baseline score --thresholds` on every set. Per-clip latency = pocketsphinx decode
   + classifier, wall and decoder-thread CPU.
All metrics come from src/eval (the two CLIs' JSON); this script only joins them.
Prints markdown and writes OUT_DIR/one-vs-two-pass.{md,json}. Finished steps are kept
(rerun to resume; delete OUT_DIR to start over). The binary: $INHERENT or --bin.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

LEVELS = ["clean", "snr-20", "snr-10", "snr-05", "snr-00"]
SNRS = "clean,0,5,10,20"


def run(cmd, ok=(0,), log=None):
    """Runs one step; its stdout goes to `log` when given (the eval tables are long)."""
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    if log:
        with open(log, "w") as f:
            rc = subprocess.run(cmd, stdout=f).returncode
    else:
        rc = subprocess.run(cmd).returncode
    if rc not in ok:
        sys.exit(f"one-vs-two-pass: {cmd[1]} {cmd[2] if len(cmd) > 2 else ''} exited {rc}")


def load(path):
    with open(path) as f:
        return json.load(f)


def jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"cpu": cpu, "cores": os.cpu_count(), "os": platform.platform(), "load_average_1min": round(load1, 2)}


def f3(x):
    return "n/a" if x is None else f"{x:.3f}"


def pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}%"


def gate_rates(heads):
    """Acceptance (recall on gate-1 clips) and false accepts (gate-0 clips firing) of head 0."""
    g = heads[0]
    pos, neg = g["tp"] + g["fn"], g["fp"] + g["tn"]
    return (g["tp"] / pos if pos else None), (g["fp"] / neg if neg else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("train_labels")
    ap.add_argument("heldout_labels")
    ap.add_argument("out")
    ap.add_argument("limit", nargs="?", type=int, default=300)
    ap.add_argument("--calib-limit", type=int, default=0, help="eval clips for the two-pass thresholds (default LIMIT/2)")
    ap.add_argument("--noise-dir", default="", help="recorded noise folder (default: synthetic noises)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--asr-threads", type=int, default=1, help="pocketsphinx decoders (CPU time per clip stays clean)")
    ap.add_argument("--bin", default=os.environ.get("INHERENT", "build/dev/tools/inherent/inherent"))
    a = ap.parse_args()
    out, bin_ = a.out, a.bin
    calib_limit = a.calib_limit or max(1, a.limit // 2)
    os.makedirs(f"{out}/one-pass", exist_ok=True)
    os.makedirs(f"{out}/two-pass", exist_ok=True)
    noise = ["--noise-dir", a.noise_dir] if a.noise_dir else []

    # 1. The clips.
    run([bin_, "noisy", "-q", "--labels", a.heldout_labels, "--split", "test", "--snr", SNRS, "--limit", str(a.limit),
         "--seed", str(a.seed), "--out", f"{out}/sets"] + noise)
    run([bin_, "noisy", "-q", "--labels", a.heldout_labels, "--split", "eval", "--snr", "clean", "--limit",
         str(calib_limit), "--seed", str(a.seed), "--out", f"{out}/calib"])

    # 2. One pass.
    one = {}
    for lv in LEVELS:
        js = f"{out}/one-pass/{lv}.json"
        if not os.path.exists(js):  # exit 1 = a release gate failed: the numbers are still written
            run([bin_, "eval", "--artifact", a.model, "--manifest", f"{out}/sets/{lv}/labels.csv", "--split", "test",
                 "--threads", "1", "--quiet", "--json-out", js], ok=(0, 1), log=f"{out}/one-pass/{lv}.txt")
        one[lv] = load(js)

    # 3. Two pass.
    tp = f"{out}/two-pass"
    clf, thr = f"{tp}/text-classifier.safetensors", f"{tp}/thresholds.json"
    if not os.path.exists(clf):
        run([bin_, "baseline", "train", "--labels", a.train_labels, "--out", clf, "-q"])
    asr = ["-j", str(a.asr_threads), "-q"]
    if not os.path.exists(thr):
        run([bin_, "baseline", "score", "--model", clf, "--labels", f"{out}/calib/clean/labels.csv", "--split", "eval",
             "--thresholds-out", thr, "--jsonl-out", f"{tp}/calib.jsonl", "--metrics-out", f"{tp}/calib-metrics.json"]
            + asr, log=f"{tp}/calib.txt")
    two, two_clips = {}, {}
    for lv in LEVELS:
        met = f"{tp}/{lv}-metrics.json"
        if not os.path.exists(met):
            run([bin_, "baseline", "score", "--model", clf, "--labels", f"{out}/sets/{lv}/labels.csv", "--split", "test",
                 "--thresholds", thr, "--jsonl-out", f"{tp}/{lv}.jsonl", "--metrics-out", met] + asr, log=f"{tp}/{lv}.txt")
        two[lv] = load(met)["splits"]["test"]
        two_clips[lv] = jsonl(f"{tp}/{lv}.jsonl")

    # Latency on the clean set, per clip.
    n = one["clean"]["n_clips"]
    one_ms = 1000 * one["clean"]["seconds"] / n
    clips = two_clips["clean"]
    two_ms = sum(c["asr_ms"] + c["classify_ms"] for c in clips) / len(clips)
    two_cpu_ms = sum(c["asr_cpu_ms"] + c["classify_ms"] for c in clips) / len(clips)
    audio_s = sum(c["audio_s"] for c in clips) / len(clips)
    calib = one["clean"].get("threshold_calibration")

    result = {
        "machine": machine(),
        "model": a.model, "train_labels": a.train_labels, "heldout_labels": a.heldout_labels,
        "clips": n, "calibration_clips": calib_limit, "seed": a.seed,
        "noise": a.noise_dir or "synthetic (white, pink, brown, hum, tones)",
        "thresholds": {"one_pass": {"source": one["clean"]["threshold_source"], "calibration": calib},
                       "two_pass": "f1-at-recall (recall >= 0.95) on the clean eval clips (baseline score --thresholds-out)"},
        "latency_ms_per_clip": {"one_pass_wall": one_ms, "two_pass_wall": two_ms, "two_pass_cpu": two_cpu_ms,
                                "mean_audio_s": audio_s, "ratio_wall": two_ms / one_ms, "ratio_two_pass_cpu": two_cpu_ms / one_ms},
        "per_head_clean": [], "per_condition": [],
    }
    for h1, h2 in zip(one["clean"]["heads"], two["clean"]["heads"]):
        result["per_head_clean"].append({"head": h1["name"], "positives": h1["positives"], "one_pass_auc": h1["auc"],
                                         "two_pass_auc": h2["auc"]})
    for lv in LEVELS:
        a1, f1 = gate_rates(one[lv]["heads"])
        a2, f2 = gate_rates(two[lv]["heads"])
        result["per_condition"].append({
            "condition": lv, "clips": one[lv]["n_clips"],
            "one_pass": {"gate_auc": one[lv]["heads"][0]["auc"], "gate_threshold": one[lv]["heads"][0]["threshold"],
                         "acceptance": a1, "false_accept": f1, "intent_mean_auc": one[lv]["intent_mean_auc"]},
            "two_pass": {"gate_auc": two[lv]["heads"][0]["auc"], "gate_threshold": two[lv]["heads"][0]["threshold"],
                         "acceptance": a2, "false_accept": f2, "intent_mean_auc": two[lv]["intent_mean_auc"]}})

    # Markdown.
    m = result["machine"]
    lat = result["latency_ms_per_clip"]
    md = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['os']}, load average {m['load_average_1min']} at the end.",
          f"Clips: {n} test rows of `{a.heldout_labels}` (mean {audio_s:.2f} s); noise: {result['noise']}; "
          f"model `{a.model}`.", "",
          "| head | positives | one pass AUC | two pass AUC | better |", "|---|---|---|---|---|"]
    for r in result["per_head_clean"]:
        x, y = r["one_pass_auc"], r["two_pass_auc"]
        better = "n/a" if x is None or y is None else ("one pass" if x > y else "two pass" if y > x else "tie")
        md.append(f"| {r['head']} | {r['positives']} | {f3(x)} | {f3(y)} | {better} |")
    md.append(f"| intent mean | | {f3(one['clean']['intent_mean_auc'])} | {f3(two['clean']['intent_mean_auc'])} | |")
    md += ["", "| latency per clip (clean set) | ms |", "|---|---|",
           f"| one pass: read + log-mel + forward, 1 thread (wall) | {one_ms:.2f} |",
           f"| two pass: pocketsphinx + classifier (wall) | {two_ms:.1f} |",
           f"| two pass: pocketsphinx + classifier (decoder thread CPU) | {two_cpu_ms:.1f} |",
           f"| **ratio two pass / one pass (wall; CPU)** | **{lat['ratio_wall']:.0f}x; {lat['ratio_two_pass_cpu']:.0f}x** |",
           "", f"Thresholds: one pass `{one['clean']['threshold_source']}`"
           + (f" ({calib.get('method', '?')} on {calib.get('manifest', calib.get('labels', '?'))})" if isinstance(calib, dict) else
              " (no threshold_calibration in the metadata: uncalibrated)")
           + "; two pass: f1-at-recall (recall >= 0.95) picked on "
           f"{calib_limit} clean eval clips.", "",
           "| condition | gate AUC 1p | gate AUC 2p | accept 1p | accept 2p | false accept 1p | false accept 2p "
           "| intent mean AUC 1p | intent mean AUC 2p |", "|---|---|---|---|---|---|---|---|---|"]
    for r in result["per_condition"]:
        p, q = r["one_pass"], r["two_pass"]
        name = r["condition"].replace("snr-0", "snr-").replace("snr-", "") + (" dB" if r["condition"] != "clean" else "")
        md.append(f"| {name} | {f3(p['gate_auc'])} | {f3(q['gate_auc'])} | {pct(p['acceptance'])} | {pct(q['acceptance'])} "
                  f"| {pct(p['false_accept'])} | {pct(q['false_accept'])} | {f3(p['intent_mean_auc'])} "
                  f"| {f3(q['intent_mean_auc'])} |")
    text = "\n".join(md) + "\n"
    print(text)
    with open(f"{out}/one-vs-two-pass.md", "w") as f:
        f.write(text)
    with open(f"{out}/one-vs-two-pass.json", "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
