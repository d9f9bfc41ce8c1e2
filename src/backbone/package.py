# SPDX-License-Identifier: Apache-2.0
"""The backbone model (mapped stem + Whisper's encoder + D1's pooled heads) as a weights
file the engine's tools read: the whisper family of src/engine/arch.h, float32, its
config and the Whisper weights' origin in __metadata__. `inherent export --weights FILE
--backend native` turns it into a model package (docs/backbone.md, "In the engine").

    .venv/bin/python src/backbone/package.py --heads out/backbone-24k/D1-pooled.pt \\
        --attributions out/corpus-37k/attributions.json -o out/backbone-24k/weights.safetensors

`reference_logits` is the same model in torch (float64 by default): what the engine is
tested against (tests/data/whisper-family/make.py).

`--split WEIGHTS` keeps only the model's own tensors (what the repository ships:
data/models/backbone/parts.safetensors), `--assemble PARTS` adds Whisper's encoder
back from the pinned package's conversion (scripts/backbone-model.sh).
"""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import safetensors
import safetensors.torch
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bridge  # noqa: E402
import designs  # noqa: E402
import whisper_encoder  # noqa: E402
from features import DEFAULT_FLOOR, read_stem  # noqa: E402

POSITIONS = 1500  # rows of Whisper's position table (arch.h kWhisperPositions)


def read_parts(encoder_path, stem_path, heads_path):
    """(encoder tensors by CTranslate2 name, encoder metadata, stem tensors, floor, heads state dict)."""
    enc, meta = whisper_encoder.load_safetensors(str(encoder_path))
    enc = {k.removeprefix("whisper.encoder."): v for k, v in enc.items()}
    stem, floor = read_stem(stem_path, DEFAULT_FLOOR)
    heads = torch.load(str(heads_path), map_location="cpu", weights_only=True)
    # A design that trained Whisper's top blocks too (designs.TopBlocksHeads.package_parts)
    # carries them as "encoder.<CTranslate2 name>": they replace the pretrained ones.
    for k in [k for k in heads if k.startswith("encoder.")]:
        name = k.removeprefix("encoder.")
        if name not in enc or enc[name].shape != heads[k].shape:
            raise ValueError(f"{heads_path}: {k} is no encoder tensor of {encoder_path} with shape "
                             f"{tuple(heads[k].shape)}")
        enc[name] = heads.pop(k).float()
    return enc, meta, stem, floor, heads


def whisper_family(enc, meta, stem, floor, heads):
    """The config pairs and the tensors under arch.h's names, in its order."""
    h, w = enc["conv1.weight"].shape[:2]
    n_blocks = whisper_encoder.WhisperEncoder(enc, 1).n_layers
    if enc["position_encodings.encodings"].shape[0] != POSITIONS:
        raise ValueError(f"position table has {enc['position_encodings.encodings'].shape[0]} rows, "
                         f"the engine reads {POSITIONS}")
    config = {"family": "whisper", "n_mels": stem["matrix"].shape[1], "n_hidden": h, "n_blocks": n_blocks,
              "n_heads": int(meta["num_heads"]), "ffn_mult": enc["layer_0.ffn.linear_0.weight"].shape[0] // h,
              "conv_kernel": 3, "n_outputs": heads["pool.bias"].shape[0], "bridge_mels": w,
              "head_width": heads["proj.weight"].shape[0]}
    t = {"bridge.matrix": stem["matrix"], "bridge.floor": torch.tensor([floor]),
         "stem.conv1.weight": stem["conv1.weight"], "stem.conv1.bias": stem["conv1.bias"],
         "stem.conv2.weight": stem["conv2.weight"], "stem.conv2.bias": stem["conv2.bias"]}
    t.update(encoder_arch_tensors(enc))
    for ours, theirs in [("heads.norm.weight", "norm.weight"), ("heads.norm.bias", "norm.bias"),
                         ("heads.proj.weight", "proj.weight"), ("heads.proj.bias", "proj.bias"),
                         ("heads.score.weight", "pool.score.weight"), ("heads.score.bias", "pool.score.bias"),
                         ("heads.weight", "pool.weight"), ("heads.bias", "pool.bias")]:
        t[ours] = heads[theirs]
    return config, {k: v.detach().float().contiguous() for k, v in t.items()}


def encoder_arch_tensors(enc):
    """Whisper's position table, blocks and final LayerNorm under arch.h's names."""
    t = {"positions": enc["position_encodings.encodings"]}
    for b in range(whisper_encoder.WhisperEncoder(enc, 1).n_layers):
        src, dst = f"layer_{b}", f"blocks.{b}"
        for ours, theirs in whisper_encoder.BLOCK_NORMS:
            t[f"{dst}.{ours}.weight"] = enc[f"{src}.{theirs}.gamma"]
            t[f"{dst}.{ours}.bias"] = enc[f"{src}.{theirs}.beta"]
        for ours, theirs in whisper_encoder.BLOCK_LINEARS:
            t[f"{dst}.{ours}.weight"] = enc[f"{src}.{theirs}.weight"]
            t[f"{dst}.{ours}.bias"] = enc[f"{src}.{theirs}.bias"]
    t["final_norm.weight"], t["final_norm.bias"] = enc["layer_norm.gamma"], enc["layer_norm.beta"]
    return t


def split_parts(weights, encoder_path, out):
    """The model's own tensors: every tensor of the weights file that is not Whisper's
    pretrained one (the bridge, the fitted stem, the heads, and blocks the design trained),
    with the weights' metadata, to OUT. What ships in the repository; `assemble` adds
    Whisper's back from the pinned package."""
    enc, _ = whisper_encoder.load_safetensors(str(encoder_path))
    pristine = encoder_arch_tensors({k.removeprefix("whisper.encoder."): v for k, v in enc.items()})
    with safetensors.safe_open(str(weights), framework="pt") as f:
        metadata = dict(f.metadata() or {})
        own = {k: f.get_tensor(k) for k in f.keys() if k not in pristine or not torch.equal(f.get_tensor(k),
                                                                                               pristine[k].float())}
    metadata["parts_of"] = "whisper family: add Whisper tiny.en's encoder (src/backbone/package.py --assemble)"
    save_atomic(own, metadata, out)
    return own


def assemble(parts, encoder_path, out):
    """A weights file from the model's own tensors (split_parts) and Whisper's encoder."""
    enc, _ = whisper_encoder.load_safetensors(str(encoder_path))
    tensors = encoder_arch_tensors({k.removeprefix("whisper.encoder."): v for k, v in enc.items()})
    with safetensors.safe_open(str(parts), framework="pt") as f:
        metadata = dict(f.metadata() or {})
        if "parts_of" not in metadata:
            raise ValueError(f"{parts}: not a parts file (no parts_of in its metadata)")
        tensors.update({k: f.get_tensor(k) for k in f.keys()})
    del metadata["parts_of"]
    save_atomic({k: v.float().contiguous() for k, v in tensors.items()}, metadata, out)


def save_atomic(tensors, metadata, out):
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    safetensors.torch.save_file(tensors, str(tmp), metadata=metadata)
    os.replace(tmp, out)


def whisper_attribution(meta):
    """The encoder's origin as a data_attributions entry."""
    return {"source": "whisper-tiny.en", "title": meta.get("name", "Whisper tiny.en encoder"),
            "license": meta.get("licence", "MIT (OpenAI Whisper)"), "url": meta.get("url", ""),
            "kind": "weights", "origin": meta.get("source", ""), "sha256": meta.get("sha256", "")}


def write_weights(out, encoder_path, stem_path, heads_path, attributions=None, model_version="0.1.0"):
    enc, meta, stem, floor, heads = read_parts(encoder_path, stem_path, heads_path)
    config, tensors = whisper_family(enc, meta, stem, floor, heads)
    entries = [whisper_attribution(meta)]
    if attributions:
        entries += json.loads(Path(attributions).read_text())
    metadata = {k: str(v) for k, v in config.items()}
    metadata.update(model_version=model_version, data_attributions=json.dumps(entries))
    save_atomic(tensors, metadata, out)
    return config


def reference_logits(encoder_path, stem_path, heads_path, mel, dtype=torch.float64):
    """The model in torch on one clip's log-mel [T, 128] (no padding): logits [13]."""
    enc, meta, stem, floor, heads = read_parts(encoder_path, stem_path, heads_path)
    encoder = whisper_encoder.WhisperEncoder({k: v.to(dtype) for k, v in enc.items()}, int(meta["num_heads"]))
    mapped = bridge.MappedStem({k: v.to(dtype) for k, v in enc.items()}, stem["matrix"].numpy(), floor)
    mapped.load_state_dict(stem)
    head = designs.PooledHeads(dim=enc["conv1.weight"].shape[0], width=heads["proj.weight"].shape[0])
    head.load_state_dict(heads)
    mapped, head = mapped.to(dtype).eval(), head.to(dtype).eval()
    with torch.no_grad():
        x = torch.as_tensor(np.asarray(mel), dtype=dtype)[None]
        feats = encoder.blocks(mapped(x))
        return head(feats, torch.ones(feats.shape[:2], dtype=torch.bool))["logits"][0].numpy()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoder", default="out/whisper-bridge/encoder.safetensors",
                    help="Whisper's encoder (src/backbone/whisper_weights.py)")
    ap.add_argument("--stem", default="out/whisper-bridge/mapped-stem.safetensors",
                    help="the fitted mapped stem (bench/whisper-bridge.py), with --heads")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--heads", help="D1's pooled heads (bench/backbone-designs.py: D1-pooled.pt)")
    mode.add_argument("--split", metavar="WEIGHTS", help="write the model's own tensors of WEIGHTS (not Whisper's) "
                      "to --output")
    mode.add_argument("--assemble", metavar="PARTS", help="write PARTS (a --split output) plus Whisper's encoder "
                      "to --output")
    ap.add_argument("--attributions", help="the training corpus's attributions.json, added to the weights' own")
    ap.add_argument("--model-version", default="0.1.0")
    ap.add_argument("-o", "--output", required=True, help="weights .safetensors to write")
    args = ap.parse_args(argv)
    # Only the files the chosen mode reads must exist (the parts carry the stem).
    used = ("encoder", "stem", "heads", "attributions") if args.heads else ("encoder", "split", "assemble")
    for flag in used:
        path = getattr(args, flag)
        if path and not Path(path).is_file():
            sys.exit(f"package.py: --{flag} {path}: no such file")
    if args.split or args.assemble:
        try:
            if args.split:
                own = split_parts(args.split, args.encoder, args.output)
                print(f"{args.output}: {len(own)} tensors of the model's own, "
                      f"{sum(v.numel() for v in own.values())} values")
            else:
                assemble(args.assemble, args.encoder, args.output)
                print(f"{args.output}: assembled from {args.assemble} and {args.encoder}")
        except ValueError as e:
            sys.exit(f"package.py: {e}")
        return
    config = write_weights(args.output, args.encoder, args.stem, args.heads, args.attributions, args.model_version)
    print(f"{args.output}: whisper family, {config['n_blocks']} blocks, width {config['n_hidden']}, "
          f"heads {config['head_width']}")


if __name__ == "__main__":
    main()
