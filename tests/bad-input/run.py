#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Bad inputs, table-driven: every row of cases.tsv runs one `inherent` command on a
made-up bad input and must end with the expected exit code and words in its output.

Columns: name, exit code, where the words must appear (stderr, stdout or any), the
words, then the command's arguments (after `inherent`; {D} is the fixture folder,
{M} the shipped model, {LATIN1} a file name that is not UTF-8). Each command runs with a 60 s
timeout and an 8 GiB address-space limit (an 8 GiB RSS cap under AddressSanitizer, with
--sanitized): a crash (signal), a hang or an unbounded read fails the row.

    run.py INHERENT_BINARY [--sanitized] [--only NAME]
"""
import math
import os
import resource
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL = os.path.join(ROOT, "data", "models", "small", "native")
LATIN1 = b"caf\xe9-latin1.wav"  # a file name that is not UTF-8 ({LATIN1} in an argument)
SANITIZED = False  # set by --sanitized: the binary is built with AddressSanitizer


def write_wav(path, samples, rate=16000):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", max(-32767, min(32767, int(s * 32767)))) for s in samples))


def tone(seconds, amplitude=0.3, rate=16000):
    return [amplitude * math.sin(2 * math.pi * 220 * i / rate) for i in range(int(seconds * rate))]


def patch(src, dst, offset, value):
    data = bytearray(open(src, "rb").read())
    data[offset:offset + 4] = struct.pack("<I", value)
    open(dst, "wb").write(bytes(data))


def make_fixtures(d):
    write_wav(f"{d}/empty.wav", [])
    write_wav(f"{d}/one-sample.wav", [0.5])
    write_wav(f"{d}/ten-ms.wav", tone(0.01))
    write_wav(f"{d}/silence.wav", [0.0] * 11200)
    write_wav(f"{d}/hum.wav", tone(2.0, 0.0002))  # -77 dBFS: a quiet room, not speech
    write_wav(f"{d}/tone.wav", tone(1.0))
    write_wav(f"{d}/long.wav", tone(75.0, 0.1))
    data = open(f"{d}/tone.wav", "rb").read()
    open(f"{d}/truncated.wav", "wb").write(data[:1044])
    patch(f"{d}/tone.wav", f"{d}/rate0.wav", 24, 0)
    patch(f"{d}/tone.wav", f"{d}/rate-huge.wav", 24, 0xFFFFFFFF)
    bad_channels = bytearray(data)
    bad_channels[22:24] = struct.pack("<H", 0)
    open(f"{d}/channels0.wav", "wb").write(bytes(bad_channels))
    open(f"{d}/text.wav", "w").write("this is not audio\n")
    open(f"{d}/noise.bin", "wb").write(os.urandom(4096))
    os.mkfifo(f"{d}/fifo.wav")
    os.mkfifo(f"{d}/fifo.csv")
    os.mkdir(f"{d}/folder")
    shutil.copy(f"{d}/silence.wav", os.fsencode(d) + b"/" + LATIN1)
    # Model packages: damaged, cut, missing parts.
    for name in ("flipped", "cut", "no-metadata", "no-weights", "bad-json"):
        shutil.copytree(MODEL, f"{d}/{name}")
    w = bytearray(open(f"{d}/flipped/model.safetensors", "rb").read())
    w[len(w) // 2] ^= 0x10
    open(f"{d}/flipped/model.safetensors", "wb").write(bytes(w))
    open(f"{d}/cut/model.safetensors", "wb").write(bytes(w[: len(w) // 2]))
    os.remove(f"{d}/no-metadata/inherent.metadata.json")
    os.remove(f"{d}/no-weights/model.safetensors")
    open(f"{d}/bad-json/inherent.metadata.json", "w").write('{"format": "inherent.model", ')
    # Labels CSVs.
    header = ("audio_path,transcript,speaker_id,session_id,device,environment,source,duration_s,split,"
              "isInteresting,hasAddToListIntent,hasTermSearchQuery,hasPhotoQuery,hasCalendarEvent,"
              "hasCreateDocIntent,hasPersonContext,hasEventContext,hasDeepResearchIntent,hasInsightIntent,"
              "hasBrowsingAgentIntent,hasCallingAgentIntent,hasStartTimerIntent")
    row = "tone.wav,set a timer,s1,x1,mic,room,synth,1.0,train,1,0,0,0,0,0,0,0,0,0,0,0,1"
    labels = {
        "good": [header, row],
        "quote": [header, row, 'tone.wav,"set a timer,s1,x1,mic,room,synth,1.0,train,1,0,0,0,0,0,0,0,0,0,0,0,1',
                  row, row, row, row, 'tone.wav,"hi",s1,x1,mic,room,synth,1.0,train,1,0,0,0,0,0,0,0,0,0,0,0,1'],
        "head-2": [header, row.replace(",1,0,0,0,0,0,0,0,0,0,0,0,1", ",2,0,0,0,0,0,0,0,0,0,0,0,1")],
        "no-column": [header.replace(",hasStartTimerIntent", ""), row[: row.rfind(",")]],
        "bad-split": [header, row.replace(",train,", ",later,")],
        "intent-no-gate": [header, row.replace(",1,0,0,0,0,0,0,0,0,0,0,0,1", ",0,0,0,0,0,0,0,0,0,0,0,0,1")],
        "missing-audio": [header, row.replace("tone.wav", "nowhere.wav")],
        "nul": [header, row.replace("timer", "ti\0mer")],
        "header-only": [header],
    }
    for name, lines in labels.items():
        open(f"{d}/{name}.csv", "w").write("\n".join(lines) + "\n")
    open(f"{d}/latin1.csv", "wb").write((header + "\n" + row.replace("a timer", "un caf\xe9") + "\n").encode("latin-1"))
    open(f"{d}/empty.csv", "w").write("")
    open(f"{d}/config.yaml", "w").write("model: {name: tiny\ntraining: [1, 2\n")


def run_case(binary, d, case):
    name, code, where, words, args = case
    argv = [os.fsencode(binary)] + [os.fsencode(a.replace("{D}", d).replace("{M}", MODEL)).replace(b"{LATIN1}", LATIN1)
                                    for a in shlex.split(args)]

    def limits():
        if not SANITIZED:  # AddressSanitizer reserves terabytes of address space; it gets an RSS cap instead
            resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))

    env = dict(os.environ)
    if SANITIZED:
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""), "hard_rss_limit_mb=8192"]))
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL if "--input -" not in args else open(f"{d}/noise.bin", "rb"),
                           capture_output=True, timeout=60, preexec_fn=limits, cwd=d, env=env)
    except subprocess.TimeoutExpired:
        return f"{name}: hung (60 s)"
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if p.returncode < 0:
        return f"{name}: killed by signal {-p.returncode}\n{err[-2000:]}"
    text = {"stdout": out, "stderr": err, "any": out + err}[where]
    if p.returncode != int(code) or words not in text:
        return (f"{name}: exit {p.returncode} (want {code}), {where} lacks {words!r}\n"
                f"  command: {args}\n  stdout: {out[-800:]}\n  stderr: {err[-800:]}")
    return None


def main():
    global SANITIZED
    binary = os.path.abspath(sys.argv[1])
    SANITIZED = "--sanitized" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    cases = []
    for line in open(os.path.join(HERE, "cases.tsv"), encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 5:
            sys.exit(f"cases.tsv: a row needs 5 tab-separated fields, got {len(fields)}: {line!r}")
        cases.append(fields)
    # Builds without a component (the asan preset has no trainer) lack its command: those
    # rows are skipped and counted, not failed.
    commands = subcommands(binary)
    missing = [c for c in cases if shlex.split(c[4])[:1] and shlex.split(c[4])[0] not in commands]
    cases = [c for c in cases if c not in missing and (only is None or c[0] == only)]
    with tempfile.TemporaryDirectory(prefix="inherent-bad-input-") as d:
        make_fixtures(d)
        failures = [f for c in cases for f in [run_case(binary, d, c)] if f]
    for f in failures:
        print("FAIL", f)
    skipped = f" ({len(missing)} skipped: this build has no {', '.join(sorted({shlex.split(c[4])[0] for c in missing}))})" \
        if missing else ""
    print(f"bad inputs: {len(cases) - len(failures)} of {len(cases)} as expected{skipped}")
    return 1 if failures else 0


def subcommands(binary):
    """The commands `inherent --help` lists (two-space indent, then the name)."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    names, listing = set(), False
    for line in out.splitlines():
        listing = listing or line.startswith("Subcommands:")
        if listing and line.startswith("  ") and not line.startswith("   ") and line.split():
            names.add(line.split()[0])
    return names


if __name__ == "__main__":
    sys.exit(main())
