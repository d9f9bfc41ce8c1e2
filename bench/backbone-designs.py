#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Head designs on Whisper tiny.en's frozen encoder (behind the fitted mapped stem),
judged on the test split and on real-voice probes (docs/backbone.md, "Designs").

    bench/backbone-designs.py --corpus out/corpus-15k --out out/backbone-designs

Every design reads the same cached features (src/backbone/features.py) of:
- train: `--train` clips of the corpus's train split, and `--framed` of them again inside
  0-4 s of room noise on each side (src/backbone/framing.py, noise from the first half
  of each noise file);
- real-dev's `fit` half (held-out speakers never: src/backbone/real_speech.py): CTC
  targets only, no head loss;
- probes, none of it trained on:
  - `test`: the corpus's test split (held-out voices and templates);
  - `framed`: the first `--probe` test clips inside 2.5 s of room noise on each side,
    10-40 dB below the words, noise from the second half of each file;
  - `joined`: the same clips with a real recorded word of a test-split speaker of
    precise-community before or after them (0.2-0.6 s gap);
  - `real-dev`: real-dev's `probe` half, and `real-dev-tts`: the same sentences spoken
    by espeak-ng's held-out (test-split) voices.

Designs (src/backbone/designs.py): D1 pooled heads on the features; D2 a character CTC
head with the 13 heads on its detached posteriors; D3 either with the two-pass teacher's
scores as soft targets (--teacher); "D1 + same" D1 with a consistency loss between each
framed clip and its plain twin. The shipped `small` model scores the very same audio
through the native engine. Trained designs are kept as OUT/<design>.pt and reused.

With --oof-teacher CSV it instead writes out-of-fold teacher scores for distillation
(docs/training.md, "Distillation") and stops.

Prints a markdown table and writes OUT/results.json (--results) and each model's probe
scores (OUT/scores-<design>.npz; the --small model's beside the results file, -small.npz). Features are cached in OUT/features (rerun to resume).
"""
import argparse
import csv
import glob
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score, roc_curve

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src" / "backbone"))
import designs  # noqa: E402
import features  # noqa: E402
import framing  # noqa: E402
import real_speech  # noqa: E402
import runlog  # noqa: E402
import teacher  # noqa: E402
import text  # noqa: E402

import inherent  # noqa: E402

HEADS = list(inherent.HEAD_ORDER)
SHARED = REPO.parent / "shared" / "data"


def rng_for(key):
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little"))


def auc(y, s):
    y = np.asarray(y)
    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def eer(y, s):
    """Equal error rate: where the false-accept and false-reject rates cross."""
    far, tpr, _ = roc_curve(y, s)
    return float(np.min(np.maximum(far, 1 - tpr)))


def head_metrics(labels, scores):
    a = [auc(labels[:, h], scores[:, h]) for h in range(len(HEADS))]
    intents = [x for x in a[1:] if not math.isnan(x)]
    return {"gate_auc": a[0], "intent_mean_auc": float(np.mean(intents)), "intent_min_auc": float(np.min(intents)),
            "auc": dict(zip(HEADS, a))}


def read_corpus(folder):
    rows = []
    with open(Path(folder) / "labels.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            row["path"] = str(Path(folder) / row["audio_path"])
            row["y"] = [int(row[h]) for h in HEADS]
            rows.append(row)
    return rows


def test_speaker_words(rows):
    """precise-community files the corpus put in its test split (held-out speakers)."""
    words = set()
    for r in rows:
        if r["split"] == "test" and "file=precise-community/" in r.get("augmentation", ""):
            words.add(str(SHARED / "precise-community" / r["augmentation"].split("file=precise-community/")[1].split()[0]))
    return sorted(words)


def espeak_test_voices():
    out = subprocess.run([str(REPO / "build/dev/tools/inherent/inherent"), "synth", "--list-voices"],
                         capture_output=True, text=True, check=True).stdout
    return [l.split()[0].removeprefix("espeak:") for l in out.splitlines()
            if l.startswith("espeak:") and l.split()[3] == "test"]


def espeak_say(text, voice):
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-w", f.name, text], check=True, capture_output=True)
        return inherent.load_audio(f.name)


class Data:
    """Features plus targets of one set: [T, 384] float16 features, [13] labels (used where
    head_mask), texts (CTC targets where not None), teacher scores (used where soft_mask)."""

    def __init__(self, feats, y, texts, head_mask, soft=None, soft_mask=None, twin=None):
        self.feats, self.y, self.texts, self.head_mask = feats, np.asarray(y, np.float32), texts, head_mask
        # The unframed copy of a framed clip (index), else -1: the consistency loss asks
        # both for the same logits.
        self.twin = np.full(len(feats), -1) if twin is None else np.asarray(twin)
        self.soft = np.zeros_like(self.y) if soft is None else np.asarray(soft, np.float32)
        self.soft_mask = np.zeros(len(feats), bool) if soft_mask is None else np.asarray(soft_mask)


def read_teacher(path, key):
    """{key(row): [13] scores} from `inherent baseline score --json` lines; {} without the
    file (the D3 designs then have no soft targets)."""
    out = {}
    if not Path(path).exists():
        return out
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                out[key(r)] = [r["scores"][h] for h in HEADS]
    return out


def batches(data, idx, batch_frames):
    """Index lists of about batch_frames padded frames each, clips of like length together."""
    idx = sorted(idx, key=lambda i: len(data.feats[i]))
    out, cur = [], []
    for i in idx:
        if cur and (len(cur) + 1) * len(data.feats[i]) > batch_frames:
            out.append(cur)
            cur = []
        cur.append(i)
    if cur:
        out.append(cur)
    return out


def collate(data, idx):
    n = max(len(data.feats[i]) for i in idx)
    x = torch.zeros(len(idx), n, data.feats[idx[0]].shape[1])
    mask = torch.zeros(len(idx), n, dtype=torch.bool)
    for k, i in enumerate(idx):
        f = data.feats[i]
        x[k, :len(f)] = torch.from_numpy(f.astype(np.float32))
        mask[k, :len(f)] = True
    return x, mask


def train_design(model, data, epochs, lr, batch_frames, ctc_weight, log, teacher_weight=0.0, consistency=0.0,
                 seed=0, block_lr=0.1):
    torch.manual_seed(seed)
    groups = model.param_groups(lr, lr * block_lr) if hasattr(model, "param_groups") else \
        [{"params": list(model.parameters()), "lr": lr}]
    opt = torch.optim.AdamW(groups, lr=lr, weight_decay=1e-2)
    all_idx = list(range(len(data.feats)))
    steps = epochs * len(batches(data, all_idx, batch_frames))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g["lr"] for g in groups], total_steps=steps,
                                                pct_start=0.1)
    y_all = data.y[data.head_mask]
    pos = y_all.sum(0)
    pos_weight = torch.tensor(np.clip((len(y_all) - pos) / np.maximum(pos, 1), 1, 10), dtype=torch.float32)
    targets = [designs.encode_text(t) if t is not None else None for t in data.texts]
    rnd = random.Random(seed)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        bs = batches(data, all_idx, batch_frames)
        rnd.shuffle(bs)
        tot = {"bce": 0.0, "ctc": 0.0, "kd": 0.0, "same": 0.0}
        for b in bs:
            x, mask = collate(data, b)
            out = model(x, mask)
            hm = torch.tensor(data.head_mask[b])
            loss = torch.zeros(())
            if hm.any():
                bce = F.binary_cross_entropy_with_logits(out["logits"][hm], torch.from_numpy(data.y[b])[hm],
                                                         pos_weight=pos_weight)
                loss = loss + bce
                tot["bce"] += bce.item()
            sm = torch.tensor(data.soft_mask[b])
            if teacher_weight > 0 and sm.any():
                kd = F.binary_cross_entropy_with_logits(out["logits"][sm], torch.from_numpy(data.soft[b])[sm])
                loss = loss + teacher_weight * kd
                tot["kd"] += kd.item()
            framed = [k for k, i in enumerate(b) if data.twin[i] >= 0]
            if consistency > 0 and framed:
                with torch.no_grad():
                    model.eval()
                    tx, tmask = collate(data, [int(data.twin[b[k]]) for k in framed])
                    plain = model(tx, tmask)["logits"]
                    model.train()
                same = F.mse_loss(out["logits"][framed], plain)
                loss = loss + consistency * same
                tot["same"] += same.item()
            if "log_probs" in out and ctc_weight > 0:
                keep = [k for k, i in enumerate(b) if targets[i]]
                if keep:
                    lp = out["log_probs"][keep].transpose(0, 1)
                    tg = [torch.tensor(targets[b[k]]) for k in keep]
                    ctc = F.ctc_loss(lp, torch.cat(tg), mask[keep].sum(1), torch.tensor([len(t) for t in tg]),
                                     zero_infinity=True)
                    loss = loss + ctc_weight * ctc
                    tot["ctc"] += ctc.item()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
        log(f"  epoch {epoch + 1}/{epochs}: bce {tot['bce'] / len(bs):.4f} ctc {tot['ctc'] / len(bs):.3f} "
            f"teacher {tot['kd'] / len(bs):.4f} same {tot['same'] / len(bs):.4f} "
            f"({time.time() - t0:.0f} s)")
    return model


def predict(model, feats, batch_frames=6000):
    model.eval()
    data = Data(feats, np.zeros((len(feats), 13)), [None] * len(feats), np.zeros(len(feats), bool))
    scores = np.zeros((len(feats), 13), np.float32)
    texts = [""] * len(feats)
    with torch.no_grad():
        for b in batches(data, list(range(len(feats))), batch_frames):
            x, mask = collate(data, b)
            out = model(x, mask)
            scores[b] = torch.sigmoid(out["logits"]).numpy()
            if "log_probs" in out:
                for k, i in enumerate(b):
                    texts[i] = designs.greedy_decode(out["log_probs"][k], int(mask[k].sum()))
    return scores, texts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="out/corpus-15k")
    ap.add_argument("--out", default="out/backbone-designs")
    ap.add_argument("--encoder", default="out/whisper-bridge/encoder.safetensors")
    ap.add_argument("--stem", default="out/whisper-bridge/mapped-stem.safetensors")
    ap.add_argument("--small", default="data/models/small/native", help="the shipped model, scored on the same audio")
    ap.add_argument("--train", type=int, default=6000)
    ap.add_argument("--framed", type=float, default=0.35, help="share of train clips also used inside room noise")
    ap.add_argument("--test", type=int, default=1500)
    ap.add_argument("--probe", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--teacher", default="out/teacher", help="corpus.jsonl and real-fit.jsonl of `inherent baseline score`")
    ap.add_argument("--designs", default="", help="comma-separated design names to train (default: all; none: "
                    "only the --small model)")
    ap.add_argument("--results", help="results file (default OUT/results.json)")
    ap.add_argument("--oof-teacher", metavar="CSV", help="write the corpus labels with out-of-fold D1 teacher "
                    "scores (teacher_<head> columns, by template halves) to CSV and stop")
    ap.add_argument("--features-only", action="store_true", help="compute (resume) the features and stop")
    ap.add_argument("--trim", action="store_true", help="cut every clip (train, probes, and what `small` scores) to "
                    "its speech span first (framing.trim_to_speech, the engine's rule): framing undone before the model")
    ap.add_argument("--unfreeze", type=int, default=0, metavar="N",
                    help="train Whisper's top N blocks with the heads (design 'D1 topN'; features cached at block "
                    "4-N's input, in OUT/features-uptoK)")
    ap.add_argument("--block-lr", type=float, default=0.1, help="with --unfreeze: the blocks' learning rate as a "
                    "share of the heads'")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = runlog.open_log(out)

    backbone = features.Backbone(args.encoder, args.stem)
    upto = backbone.encoder.n_layers - args.unfreeze
    backbone.upto = upto if args.unfreeze else None
    cache = features.FeatureCache(backbone, out / (f"features-upto{upto}" if args.unfreeze else "features"),
                                  inherent.AudioFrontend(max_frames=0))
    noises = framing.load_noise(sorted(glob.glob(str(SHARED / "speech-commands-noise" / "*.wav"))), inherent.load_audio)
    rows = read_corpus(args.corpus)
    rnd = random.Random(7)
    train_rows = [r for r in rows if r["split"] == "train"]
    rnd.shuffle(train_rows)
    train_rows = train_rows[:args.train]
    test_rows = [r for r in rows if r["split"] == "test"][:args.test]
    probe_rows = test_rows[:args.probe]
    words = test_speaker_words(rows)
    log(f"corpus {args.corpus}: {len(train_rows)} train, {len(test_rows)} test, {len(words)} held-out real words")
    load = inherent.load_audio

    def plain(r):
        return ("clip:" + r["path"], lambda: load(r["path"]))

    def framed_train(r):
        g = rng_for("framed-train:" + r["path"])
        lead, trail, snr = g.uniform(0, 4), g.uniform(0, 4), g.uniform(10, 40)
        key = f"framed:{r['path']}:{lead:.3f}:{trail:.3f}:{snr:.2f}"
        return (key, lambda: framing.room_framing(load(r["path"]), lead, trail, snr, noises, "train", g))

    def framed_probe(r):
        snr = rng_for("framed-probe-snr:" + r["path"]).uniform(10, 40)
        return (f"framed-probe:{r['path']}:{snr:.2f}",
                lambda: framing.room_framing(load(r["path"]), 2.5, 2.5, snr, noises, "probe",
                                             rng_for("framed-probe:" + r["path"])))

    def joined(r):
        g = rng_for("joined:" + r["path"])
        w, first, gap = words[g.integers(len(words))], bool(g.integers(2)), g.uniform(0.2, 0.6)
        return (f"joined:{r['path']}:{w}:{first}:{gap:.3f}", lambda: framing.join_word(load(r["path"]), load(w), first, gap))

    voices = espeak_test_voices()
    real_fit = real_speech.real_dev_clips("fit")
    real_probe = real_speech.real_dev_clips("probe")

    def real(r):
        return ("real:" + r["path"], lambda: load(r["path"])[: 12 * 16000])

    def tts(r, i):
        v = voices[i % len(voices)]
        return (f"tts:{v}:{r['transcript']}", lambda: espeak_say(r["transcript"], v))

    n_framed = int(args.framed * len(train_rows))
    sets = {
        "train": [plain(r) for r in train_rows],
        "train-framed": [framed_train(r) for r in train_rows[:n_framed]],
        "real-fit": [real(r) for r in real_fit],
        "test": [plain(r) for r in test_rows],
        "framed": [framed_probe(r) for r in probe_rows],
        "joined": [joined(r) for r in probe_rows],
        "real-dev": [real(r) for r in real_probe],
        "real-dev-tts": [tts(r, i) for i, r in enumerate(real_probe)],
    }
    if args.trim:
        sets = {name: [("trim:" + key, lambda make=make: framing.trim_to_speech(make())) for key, make in items]
                for name, items in sets.items()}
    feats = {}
    for name, items in sets.items():
        log(f"features {name}: {len(items)} clips")
        feats[name] = cache.many(items, name, log)
    if args.features_only:
        return

    # Labels of every set.
    y = {"train": [r["y"] for r in train_rows], "train-framed": [r["y"] for r in train_rows[:n_framed]],
         "test": [r["y"] for r in test_rows], "framed": [r["y"] for r in probe_rows],
         "joined": [r["y"] for r in probe_rows]}
    transcript_of = lambda r: r.get("transcript") or None  # noqa: E731
    # The two-pass teacher: the text classifier on each corpus clip's true words, and on
    # Whisper's transcript of each real-dev fit clip (no labels there).
    corpus_t = read_teacher(Path(args.teacher) / "corpus.jsonl", lambda r: str(Path(args.corpus) / r["path"]))
    real_t = read_teacher(Path(args.teacher) / "real-fit.jsonl", lambda r: r["path"])
    soft_rows = [(corpus_t.get(r["path"]) if transcript_of(r) else None) for r in train_rows]
    soft_rows += soft_rows[:n_framed] + [real_t.get(r["path"]) for r in real_fit]
    log(f"teacher scores: {sum(x is not None for x in soft_rows)} of {len(soft_rows)} train clips "
        f"({sum(r['path'] in real_t for r in real_fit)} of {len(real_fit)} real-dev fit clips)")
    train = Data(feats["train"] + feats["train-framed"] + feats["real-fit"],
                 y["train"] + y["train-framed"] + [[0] * 13] * len(real_fit),
                 [transcript_of(r) for r in train_rows] + [transcript_of(r) for r in train_rows[:n_framed]] + [r["transcript"] for r in real_fit],
                 np.array([True] * (len(train_rows) + n_framed) + [False] * len(real_fit)),
                 [x if x is not None else [0.0] * 13 for x in soft_rows], [x is not None for x in soft_rows],
                 [-1] * len(train_rows) + list(range(n_framed)) + [-1] * len(real_fit))

    if args.oof_teacher:
        write_oof_teacher(args, train_rows, n_framed, feats, train, log)
        return

    # The shipped model on the same audio.
    results = {"sets": {k: len(v) for k, v in sets.items()}, "small": args.small, "designs": {}}
    engine = inherent.Engine(args.small)
    probe_sets = ["test", "framed", "joined", "real-dev", "real-dev-tts"]
    scored = {"small": {}}
    t0 = time.time()
    for name in probe_sets:
        scored["small"][name] = np.stack([engine.score_audio(make()) for _, make in sets[name]])
    log(f"small scored every probe ({time.time() - t0:.0f} s)")

    # name: (model, teacher weight, consistency weight)
    specs = {
        "D1 pooled": (lambda: designs.PooledHeads(), 0.0, 0.0),
        "D2 ctc (detached)": (lambda: designs.CtcHeads(detach=True), 0.0, 0.0),
        "D3 D2 + teacher": (lambda: designs.CtcHeads(detach=True), 1.0, 0.0),
        "D1 + same": (lambda: designs.PooledHeads(), 0.0, 1.0),
        "D3 D1 + teacher": (lambda: designs.PooledHeads(), 1.0, 0.0),
    }
    if args.unfreeze:  # the cached features are block inputs: only this design reads them
        specs = {f"D1 top{args.unfreeze}": (lambda: designs.TopBlocksHeads(backbone.encoder, upto), 0.0, 0.0)}
    elif args.designs:
        specs = {k: v for k, v in specs.items() if k.split()[0] in args.designs.split(",") or k in args.designs.split(",")}
    real_refs = [text.spoken_text(r["transcript"]) for r in real_probe]
    test_refs = [text.spoken_text(r["transcript"]) for r in test_rows]
    n_probe = len(probe_rows)
    ordinary = np.array([r["is_command"] != "1" for r in real_probe])

    def evaluate(s, texts):
        res = {p: head_metrics(np.asarray(y[p]), s[p]) for p in ("test", "framed", "joined")}
        res["test-probe-subset"] = head_metrics(np.asarray(y["test"][:n_probe]), s["test"][:n_probe])
        d = np.abs(s["framed"] - s["test"][:n_probe])
        res["framing_diff"] = {"gate_max": float(d[:, 0].max()), "gate_mean": float(d[:, 0].mean()),
                               "all_max": float(d.max()), "all_mean": float(d.mean())}
        g_real, g_tts = s["real-dev"][:, 0], s["real-dev-tts"][:, 0]
        # The gate threshold at 95 % recall of the test split's addressed clips; how much
        # real-dev (ordinary speech, no requests) and its TTS twin pass it.
        g_test, y_test = s["test"][:, 0], np.asarray(y["test"])[:, 0]
        thr = float(np.quantile(g_test[y_test == 1], 0.05))
        res["gate_eer_test"] = eer(y_test, g_test)
        res["false_accepts_at_95_recall"] = {
            "threshold": thr, "test": float((g_test[y_test == 0] >= thr).mean()),
            "real-dev": float((g_real[ordinary] >= thr).mean()), "real-dev-tts": float((g_tts[ordinary] >= thr).mean())}
        res["real_dev"] = {"gate_mean_real": float(g_real.mean()), "gate_mean_tts": float(g_tts.mean()),
                           "gate_mean_abs_diff": float(np.abs(g_real - g_tts).mean()),
                           "all_heads_mean_abs_diff": float(np.abs(s["real-dev"] - s["real-dev-tts"]).mean()),
                           "real_vs_tts_auc": auc([1] * len(g_real) + [0] * len(g_tts), np.concatenate([g_real, g_tts]))}
        if texts is not None:
            res["wer_real_dev"] = text.word_error_rate(real_refs, texts["real-dev"])
            res["wer_real_dev_tts"] = text.word_error_rate(real_refs, texts["real-dev-tts"])
            res["wer_test"] = text.word_error_rate(test_refs, texts["test"])
            res["examples"] = list(zip(real_refs[:12], texts["real-dev"][:12]))
        return res

    if corpus_t:
        t_test = np.array([corpus_t.get(r["path"], [0.0] * 13) for r in test_rows])
        results["teacher_on_true_words"] = {"test": head_metrics(np.asarray(y["test"]), t_test)}
    results["designs"]["small"] = evaluate(scored["small"], None)
    np.savez_compressed(Path(str(args.results or out / "results.json").removesuffix(".json") + "-small.npz"),
                        **scored["small"])
    for name, (make, teacher_weight, consistency) in specs.items():
        weights = out / (name.replace(" ", "-").replace("(", "").replace(")", "").replace("+-", "") + ".pt")
        model = make()
        if weights.exists():
            log(f"{name}: trained weights from {weights}")
            model.load_state_dict(torch.load(weights))
        else:
            log(f"training {name}")
            model = train_design(model, train, args.epochs, 2e-3, 12000, 1.0, log, teacher_weight, consistency,
                                 block_lr=args.block_lr)
            torch.save(model.state_dict(), weights)
            if isinstance(model, designs.TopBlocksHeads):  # what src/backbone/package.py --heads reads
                heads, enc = model.package_parts()
                torch.save({**heads, **{"encoder." + k: v for k, v in enc.items()}},
                           weights.with_suffix(".package.pt"))
        scored[name], texts = {}, {}
        for p in probe_sets:
            scored[name][p], texts[p] = predict(model, feats[p])
        results["designs"][name] = evaluate(scored[name], texts if isinstance(model, designs.CtcHeads) else None)
        np.savez_compressed(out / f"scores-{weights.stem}.npz", **scored[name])
        write_results(results, args.results or out / "results.json")
        print_table(results, log)
    if not specs:
        write_results(results, args.results or out / "results.json")
        print_table(results, log)


def write_oof_teacher(args, train_rows, n_framed, feats, train, log):
    """Out-of-fold teacher scores: the train rows cut in two by a hash of their template
    (a row without one: of its text), D1 fitted on one half (with its framed copies)
    scores the other, and the corpus labels are written with teacher_<head> columns for
    every scored train row. So no clip is scored by a teacher that saw its sentence."""
    fold = [int(hashlib.sha256((r.get("template_id") or r.get("transcript") or r["path"]).encode()).digest()[0] % 2)
            for r in train_rows]
    scores = {}
    n = len(train_rows)
    for f in (0, 1):
        keep = [i for i in range(n) if fold[i] != f] + [n + i for i in range(n_framed) if fold[i] != f]
        part = Data([train.feats[i] for i in keep], train.y[keep], [train.texts[i] for i in keep],
                    train.head_mask[keep])
        log(f"out-of-fold teacher {f + 1}/2: D1 on {len(keep)} clips")
        model = train_design(designs.PooledHeads(), part, args.epochs, 2e-3, 12000, 0.0, log)
        held = [i for i in range(n) if fold[i] == f]
        s, _ = predict(model, [feats["train"][i] for i in held])
        scores.update({train_rows[i]["path"]: s[k] for k, i in enumerate(held)})
    header, rows = teacher.read_labels(Path(args.corpus) / "labels.csv")
    paths = [str(Path(args.corpus) / r["audio_path"]) for r in rows]  # as train_rows name them
    by_row = {i: scores[p] for i, p in enumerate(paths) if p in scores}
    teacher.write_taught_labels(args.oof_teacher, header, rows, by_row)
    log(f"out-of-fold teacher scores for {len(scores)} train rows -> {args.oof_teacher}")


def write_results(results, path):
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(results, indent=1))
    os.replace(tmp, path)


def print_table(results, log):
    if "teacher_on_true_words" in results:
        t = results["teacher_on_true_words"]["test"]
        log(f"\nteacher (text classifier on the true words), test: gate AUC {t['gate_auc']:.3f}, "
            f"intent mean / min {t['intent_mean_auc']:.3f} / {t['intent_min_auc']:.3f}")
    log("\n| model | test gate AUC / EER | intent mean / min | joined gate AUC (drop) | framed gate AUC | "
        "framing |diff| gate max / mean | real-dev gate mean real / tts | real-vs-tts AUC | "
        "gate passes at 95 % recall: test gate-0 / real-dev / its TTS | WER real-dev / tts / test |")
    log("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results["designs"].items():
        sub = r["test-probe-subset"]["gate_auc"]
        w = (f"{r['wer_real_dev']:.3f} / {r['wer_real_dev_tts']:.3f} / {r['wer_test']:.3f}"
             if "wer_real_dev" in r else "-")
        fa = r["false_accepts_at_95_recall"]
        log(f"| {name} | {r['test']['gate_auc']:.3f} / {r['gate_eer_test']:.3f} | {r['test']['intent_mean_auc']:.3f} / "
            f"{r['test']['intent_min_auc']:.3f} | {r['joined']['gate_auc']:.3f} ({r['joined']['gate_auc'] - sub:+.3f}) | "
            f"{r['framed']['gate_auc']:.3f} ({r['framed']['gate_auc'] - sub:+.3f}) | "
            f"{r['framing_diff']['gate_max']:.3f} / {r['framing_diff']['gate_mean']:.3f} | "
            f"{r['real_dev']['gate_mean_real']:.3f} / {r['real_dev']['gate_mean_tts']:.3f} | "
            f"{r['real_dev']['real_vs_tts_auc']:.3f} | {fa['test']:.2f} / {fa['real-dev']:.2f} / {fa['real-dev-tts']:.2f} | "
            f"{w} |")


if __name__ == "__main__":
    main()
