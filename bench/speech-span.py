#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A package on the real-voice probes of bench/backbone-designs.py, scored by the native
engine with and without the speech span (trim_to_speech; docs/engine.md, "Speech span"):

- test: the corpus's test split (held-out voices and templates), and `framed`: the first
  --probe of them inside 2.5 s of room noise each side (10-40 dB below the words; noise
  from the second half of each file), gate AUC and |gate score difference| against the
  plain clip;
- joined: the same clips with a real recorded word of a held-out precise-community
  speaker before or after them (the real-word probe), gate AUC and its drop;
- real-dev's probe half (held-out real speakers, ordinary speech): the share that passes
  the gate at the test split's 95 %-recall threshold; the same sentences spoken by the
  espeak-ng test voices (TTS twins): the share of them that passes, and the AUC of the gate
  telling real from TTS on the same sentences (0.5: the gate does not hear who speaks);
  and its few clips spoken to a device (requests of several words, single command
  words): the share that passes, and the AUC ranking them above its ordinary speech.

Each row is the same package on the same audio, scored with and without the span.

    bench/speech-span.py --corpus out/corpus-15k [--package data/models/small/native]
"""
import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("designs_bench", REPO / "bench" / "backbone-designs.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
import framing  # noqa: E402  (on the path through the designs bench)
import real_speech  # noqa: E402

import inherent  # noqa: E402


def ranks_above(high, low):
    """AUC of the scores `high` against the scores `low` (0.5: no order between them)."""
    return bench.auc([1] * len(high) + [0] * len(low), np.concatenate([high, low]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="out/corpus-15k")
    ap.add_argument("--package", default="data/models/small/native")
    ap.add_argument("--test", type=int, default=1500)
    ap.add_argument("--probe", type=int, default=800)
    ap.add_argument("--json-out", help="write the numbers as JSON here")
    args = ap.parse_args()
    rows = bench.read_corpus(args.corpus)
    test = [r for r in rows if r["split"] == "test"][:args.test]
    probe = test[:args.probe]
    noises = framing.load_noise(sorted((bench.SHARED / "speech-commands-noise").glob("*.wav")), inherent.load_audio)
    load = inherent.load_audio

    def framed(r):
        snr = bench.rng_for("framed-probe-snr:" + r["path"]).uniform(10, 40)
        return framing.room_framing(load(r["path"]), 2.5, 2.5, snr, noises, "probe",
                                    bench.rng_for("framed-probe:" + r["path"]))

    words = bench.test_speaker_words(rows)

    def joined(r):
        g = bench.rng_for("joined:" + r["path"])
        w, first, gap = words[g.integers(len(words))], bool(g.integers(2)), g.uniform(0.2, 0.6)
        return framing.join_word(load(r["path"]), load(w), first, gap)

    real_probe = real_speech.real_dev_clips("probe")
    voices = bench.espeak_test_voices()
    audio = {"test": [load(r["path"]) for r in test], "framed": [framed(r) for r in probe],
             "joined": [joined(r) for r in probe],
             "real-dev": [load(r["path"])[:12 * 16000] for r in real_probe],
             "real-dev-tts": [bench.espeak_say(r["transcript"], voices[i % len(voices)])
                              for i, r in enumerate(real_probe)]}
    ordinary = np.array([r["is_command"] != "1" for r in real_probe])
    # Spoken to a device: requests of several words (one speaker in the probe half) and
    # single command words (speech commands: "up", "stop", ...). Few, but the only real
    # addressed speech the probe has: a model that passes less ordinary speech should not
    # pass fewer of these.
    command = ~ordinary
    request = command & np.array([len(r["transcript"].split()) > 1 for r in real_probe])
    command_word = command & ~request
    y = np.array([r["y"][0] for r in test])
    out = {}
    print(f"{args.package}: {len(test)} test clips, {len(probe)} framed, {len(audio['real-dev'])} real-dev\n")
    print("| scoring | test gate AUC / intent mean | joined gate AUC (drop) | framed gate AUC (drop) | "
          "framed vs plain gate |diff| max / mean | real-dev passes at 95 % recall | its TTS twins | "
          "real vs TTS AUC | real requests / command words pass | their AUC against ordinary speech |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for trim in (False, True):
        engine = inherent.Engine(args.package, trim_to_speech=trim)
        full = {k: np.array([engine.score_audio(x) for x in v]) for k, v in audio.items()}
        g = {k: v[:, 0] for k, v in full.items()}
        d = np.abs(g["framed"] - g["test"][:len(probe)])
        thr = float(np.quantile(g["test"][y == 1], 0.05))
        sub = bench.auc(y[:len(probe)], g["test"][:len(probe)])
        m = bench.head_metrics(np.array([r["y"] for r in test]), full["test"])
        r = {"test_gate_auc": m["gate_auc"], "test_intent_mean_auc": m["intent_mean_auc"],
             "test_intent_min_auc": m["intent_min_auc"], "joined_gate_auc": bench.auc(y[:len(probe)], g["joined"]),
             "framed_gate_auc": bench.auc(y[:len(probe)], g["framed"]),
             "probe_subset_gate_auc": sub, "framed_diff_max": float(d.max()), "framed_diff_mean": float(d.mean()),
             "real_dev_passes": float((g["real-dev"][ordinary] >= thr).mean()),
             "real_dev_tts_passes": float((g["real-dev-tts"][ordinary] >= thr).mean()),
             "real_requests": int(request.sum()),
             "real_request_passes": float((g["real-dev"][request] >= thr).mean()),
             "real_request_gate_mean": float(g["real-dev"][request].mean()),
             "real_command_words": int(command_word.sum()),
             "real_command_word_passes": float((g["real-dev"][command_word] >= thr).mean()),
             # Threshold-free: do requests / command words outrank ordinary speech?
             "real_requests_vs_ordinary_auc": ranks_above(g["real-dev"][request], g["real-dev"][ordinary]),
             "real_command_words_vs_ordinary_auc": ranks_above(g["real-dev"][command_word],
                                                               g["real-dev"][ordinary]),
             "real_vs_tts_auc": ranks_above(g["real-dev"], g["real-dev-tts"])}
        out["trim" if trim else "plain"] = r
        print(f"| {'speech span' if trim else 'every frame'} | {r['test_gate_auc']:.3f} / "
              f"{r['test_intent_mean_auc']:.3f} | {r['joined_gate_auc']:.3f} ({r['joined_gate_auc'] - sub:+.3f}) | "
              f"{r['framed_gate_auc']:.3f} ({r['framed_gate_auc'] - sub:+.3f}) | "
              f"{r['framed_diff_max']:.3f} / {r['framed_diff_mean']:.3f} | {r['real_dev_passes']:.2f} | "
              f"{r['real_dev_tts_passes']:.2f} | {r['real_vs_tts_auc']:.3f} | "
              f"{r['real_request_passes']:.2f} / {r['real_command_word_passes']:.2f} | "
              f"{r['real_requests_vs_ordinary_auc']:.3f} / {r['real_command_words_vs_ordinary_auc']:.3f} |")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.exit(main())
