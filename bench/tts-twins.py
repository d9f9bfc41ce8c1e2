#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""TTS twins of transcribed real clips (docs/training.md, "Unlabelled real speech"): for
each unlabelled row of TAUGHT (teacher scores, no labels) that is a transcribed real-dev
fit clip, the same sentence spoken by an espeak-ng train voice (picked by the clip's
path), with the real clip's teacher scores. Whoever speaks the words, the target is the
same, so distilling real speech does not teach "a real voice means not addressed".

    bench/tts-twins.py TAUGHT OUT_CSV WAV_FOLDER [--cli build/dev/tools/inherent/inherent]

OUT_CSV is TAUGHT's rows followed by the twins; wavs already in WAV_FOLDER are kept.
"""
import argparse
import csv
import hashlib
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src" / "backbone"))
import real_speech  # noqa: E402


def train_voices(cli):
    listing = subprocess.run([cli, "synth", "--list-voices"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0].removeprefix("espeak:") for line in listing.splitlines()
            if line.startswith("espeak:") and line.split()[3] == "train"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("taught")
    ap.add_argument("out")
    ap.add_argument("folder")
    ap.add_argument("--cli", default="build/dev/tools/inherent/inherent")
    args = ap.parse_args()
    voices = train_voices(args.cli)
    if not voices:
        sys.exit(f"tts-twins: {args.cli} synth --list-voices lists no espeak-ng train voice")
    with open(args.taught, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"tts-twins: {args.taught}: no rows")
    fit = {r["path"]: r for r in real_speech.real_dev_clips("fit")}
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    twins = []
    for r in rows:
        src = fit.get(r["audio_path"])
        if not src or not src["transcript"].strip():
            continue
        key = hashlib.sha256(r["audio_path"].encode()).hexdigest()
        wav = folder / (key[:16] + ".wav")
        if not wav.exists():  # written under a temporary name: a killed run leaves no half file behind
            tmp = wav.with_suffix(".tmp.wav")
            subprocess.run(["espeak-ng", "-v", voices[int(key, 16) % len(voices)], "-w", str(tmp), src["transcript"]],
                           check=True, capture_output=True)
            os.replace(tmp, wav)
        twins.append({**r, "audio_path": str(wav.resolve()), "source": "tts-twin", "transcript": src["transcript"]})
    tmp = args.out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows + twins)
    os.replace(tmp, args.out)
    print(f"{len(twins)} TTS twins ({len(voices)} train voices)")


if __name__ == "__main__":
    main()
