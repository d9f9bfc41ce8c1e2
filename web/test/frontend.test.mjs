// SPDX-License-Identifier: Apache-2.0
//
// The WebAssembly frontend against the native one. ctest runs it (preset `wasm`) as
//   node web/test/frontend.test.mjs
// with INHERENT_WASM_DIR (the folder holding inherent.mjs + inherent-wasm.mjs) and
// INHERENT_MEL_REF (web/test/native-ref, the same C++ built for the host; the wasm
// build makes it). Both sides get the same float32 PCM, so any difference is the
// frontend's own: the bar is max |diff| <= 1e-5, and in practice the outputs are
// bit-identical. Also checked: streaming == batch bit for bit, the head table, error
// statuses and messages, the exported symbol list, memory growth, and throughput
// (printed, wasm vs native, on 10 s of audio).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceDir = process.env.INHERENT_SOURCE_DIR || path.resolve(here, '../..');
const wasmDir = process.env.INHERENT_WASM_DIR || path.join(sourceDir, 'build/wasm/web');
const melRef = process.env.INHERENT_MEL_REF || path.join(wasmDir, 'native-ref/inherent-mel-ref');
const TOLERANCE = 1e-5;
const N_MELS = 128;

for (const [what, file, hint] of [
  ['the WebAssembly module', path.join(wasmDir, 'inherent-wasm.mjs'), 'cmake --build --preset wasm'],
  ['the JS API', path.join(wasmDir, 'inherent.mjs'), 'cmake --build --preset wasm'],
  ['the native reference', melRef, 'cmake --build --preset wasm (it builds web/test/native-ref too)'],
]) {
  if (!fs.existsSync(file)) {
    console.error(`frontend.test.mjs: ${what} is missing: ${file}\n  build it with: ${hint}`);
    process.exit(1);
  }
}

const api = await import(pathToFileURL(path.join(wasmDir, 'inherent.mjs')).href);
let inh;
let tmp;
before(async () => {
  inh = await api.loadInherent();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inherent-wasm-test-'));
});
after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

// ---- inputs -------------------------------------------------------------------------

// 16-bit PCM WAV -> Float32Array, scaled by 1/32768 as libsndfile does. Test-only: the
// shipped module takes PCM, never files.
function readWav16(file) {
  const b = fs.readFileSync(file);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tag = (o) => b.toString('latin1', o, o + 4);
  assert.ok(tag(0) === 'RIFF' && tag(8) === 'WAVE', `${file}: not a RIFF/WAVE file`);
  let fmt = null;
  for (let o = 12; o + 8 <= b.length; ) {
    const id = tag(o);
    const size = v.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'fmt ') {
      fmt = {
        format: v.getUint16(body, true),
        channels: v.getUint16(body + 2, true),
        rate: v.getUint32(body + 4, true),
        bits: v.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      assert.ok(fmt, `${file}: data chunk before fmt chunk`);
      assert.ok(
        (fmt.format === 1 || fmt.format === 0xfffe) && fmt.bits === 16 && fmt.channels === 1 && fmt.rate === 16000,
        `${file}: the test reads 16-bit mono 16 kHz PCM only, got ${JSON.stringify(fmt)}`,
      );
      const n = Math.floor(Math.min(size, b.length - body) / 2);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = v.getInt16(body + 2 * i, true) / 32768;
      return out;
    }
    o = body + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

// Deterministic uniform noise in [-amp, amp) (xorshift32), so failures reproduce.
function noise(n, seed, amp = 1) {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = amp * (s / 2 ** 31 - 1);
  }
  return out;
}

function chirp(n, f0, f1, amp) {
  const out = new Float32Array(n);
  const dur = n / 16000;
  for (let i = 0; i < n; i++) {
    const t = i / 16000;
    out[i] = amp * Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * dur)));
  }
  return out;
}

const square = (n, period) => Float32Array.from({ length: n }, (_, i) => (i % period < period / 2 ? 1 : -1));

function signals() {
  const list = [];
  const audioDir = path.join(sourceDir, 'data/examples/audio');
  const wavs = fs.readdirSync(audioDir).filter((f) => f.endsWith('.wav')).sort();
  assert.ok(wavs.length > 0, `no example WAVs in ${audioDir}`);
  for (const f of wavs) list.push({ name: f, pcm: readWav16(path.join(audioDir, f)) });
  list.push(
    { name: 'empty', pcm: new Float32Array(0) },
    { name: 'one sample', pcm: Float32Array.of(0.5) },
    { name: 'noise 399', pcm: noise(399, 1) },
    { name: 'noise 400', pcm: noise(400, 2) },
    { name: 'noise 401', pcm: noise(401, 3) },
    { name: 'noise 3200 (10 hops)', pcm: noise(3200, 4) },
    { name: 'silence 1 s', pcm: new Float32Array(16000) },
    { name: 'noise 1e-20 (log floor)', pcm: noise(16000, 5, 1e-20) },
    { name: 'square full scale', pcm: square(24000, 37) },
    { name: 'chirp 20 Hz-8 kHz', pcm: chirp(32000, 20, 8000, 0.9) },
    { name: 'noise 10 s', pcm: noise(160000, 6, 0.3) },
    { name: 'noise 70 s, default cap', pcm: noise(70 * 16000, 7, 0.5) },
    { name: 'noise 70 s, maxFrames 0', pcm: noise(70 * 16000, 7, 0.5), maxFrames: 0 },
    { name: 'chirp 1 s, maxFrames 7', pcm: chirp(16000, 100, 4000, 0.5), maxFrames: 7 },
  );
  return list;
}

// ---- the native side ----------------------------------------------------------------

let fileCounter = 0;
// Runs the native reference on pcm. Returns { status, stderr, stdout, mel: Float32Array }.
function native(pcm, { maxFrames, repeats } = {}) {
  const id = fileCounter++;
  const input = path.join(tmp, `in-${id}.f32`);
  const output = path.join(tmp, `out-${id}.f32`);
  fs.writeFileSync(input, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  const args = [input, output];
  if (maxFrames !== undefined || repeats !== undefined) args.push(String(maxFrames ?? inh.defaultMaxFrames));
  if (repeats !== undefined) args.push(String(repeats));
  const r = spawnSync(melRef, args, { encoding: 'utf8' });
  assert.equal(r.error, undefined, `cannot run ${melRef}: ${r.error}`);
  let mel = null;
  if (r.status === 0) {
    const bytes = fs.readFileSync(output);
    mel = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  fs.rmSync(input, { force: true });
  fs.rmSync(output, { force: true });
  return { status: r.status, stderr: r.stderr.trim(), stdout: r.stdout, mel };
}

// max |a - b| and how many values are bit-identical.
function compare(a, b) {
  assert.equal(a.length, b.length, 'lengths differ');
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let maxAbs = 0;
  let identical = 0;
  let worst = -1;
  for (let i = 0; i < a.length; i++) {
    if (ua[i] === ub[i]) {
      identical++;
      continue;
    }
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= maxAbs)) {
      maxAbs = d; // NaN lands here too and fails the caller's bound
      worst = i;
    }
  }
  return { maxAbs, identical, total: a.length, worst };
}

// ---- tests --------------------------------------------------------------------------

describe('wasm frontend equals the native frontend', () => {
  let overall = 0;
  let identical = 0;
  let total = 0;
  for (const s of signals()) {
    test(s.name, () => {
      const opts = s.maxFrames === undefined ? {} : { maxFrames: s.maxFrames };
      const w = inh.melCompute(s.pcm, opts);
      const n = native(s.pcm, opts);
      assert.equal(n.status, 0, `native reference failed: ${n.stderr}`);
      assert.equal(w.nFrames, inh.melNFrames(s.pcm.length, opts));
      assert.equal(w.nFrames * N_MELS, n.mel.length, 'frame counts differ');
      assert.ok(w.data.every(Number.isFinite), 'wasm output has non-finite values');
      const c = compare(w.data, n.mel);
      const where = c.worst < 0 ? '' : ` (frame ${Math.floor(c.worst / N_MELS)}, bin ${c.worst % N_MELS})`;
      assert.ok(c.maxAbs <= TOLERANCE, `max |wasm - native| = ${c.maxAbs}${where} > ${TOLERANCE}`);
      overall = Math.max(overall, c.maxAbs);
      identical += c.identical;
      total += c.total;
    });
  }
  after(() => {
    console.log(
      `# wasm vs native: max |diff| ${overall.toExponential(2)}, ` +
        `${identical}/${total} values bit-identical (${((100 * identical) / total).toFixed(4)}%)`,
    );
  });
});

// Feeds pcm in chunks whose sizes cycle through sizes, popping at irregular points.
function streamed(pcm, sizes) {
  const fe = inh.createFrontend();
  try {
    const parts = [];
    let total = 0;
    for (let at = 0, k = 0; at < pcm.length; k++) {
      const n = Math.min(sizes[k % sizes.length], pcm.length - at);
      fe.accept(pcm.subarray(at, at + n));
      at += n;
      if (k % 3 === 0) {
        const ready = fe.framesReady;
        const got = fe.popFrames(k % 2 ? Math.max(1, ready >> 1) : ready);
        parts.push(got.data);
        total += got.nFrames;
      }
    }
    fe.inputFinished();
    const tail = fe.popFrames();
    parts.push(tail.data);
    total += tail.nFrames;
    assert.equal(fe.framesReady, 0);
    assert.equal(fe.framesEmitted, total);
    const data = new Float32Array(total * N_MELS);
    let o = 0;
    for (const p of parts) {
      data.set(p, o);
      o += p.length;
    }
    return { data, nFrames: total };
  } finally {
    fe.free();
  }
}

function assertBitIdentical(a, b, what) {
  assert.equal(a.nFrames, b.nFrames, `${what}: frame counts differ`);
  const c = compare(a.data, b.data);
  assert.equal(c.identical, c.total, `${what}: ${c.total - c.identical} values differ, max ${c.maxAbs}`);
}

describe('streaming equals batch, bit for bit', () => {
  const cases = [
    ['empty', new Float32Array(0)],
    ['one sample', Float32Array.of(0.25)],
    ['noise 401', noise(401, 11)],
    ['chirp 3 s', chirp(48000, 50, 7000, 0.7)],
    ['noise 65 s (past the batch cap)', noise(65 * 16000, 12, 0.4)],
  ];
  const patterns = [
    [1, 7, 160, 319, 320, 321, 399, 400, 401, 1000],
    [1600], // 100 ms hops, as a microphone delivers them
    [4096, 3, 17],
  ];
  for (const [name, pcm] of cases) {
    test(name, () => {
      const batch = inh.melCompute(pcm, { maxFrames: 0 }); // streams have no cap
      for (const sizes of patterns) assertBitIdentical(streamed(pcm, sizes), batch, `chunks ${sizes}`);
    });
  }
  test('one sample at a time', () => {
    const pcm = chirp(6400, 300, 3000, 0.8);
    assertBitIdentical(streamed(pcm, [1]), inh.melCompute(pcm), 'one sample per accept');
  });
  test('reset starts a new clip', () => {
    const a = noise(5000, 21);
    const b = chirp(7000, 200, 900, 0.6);
    const fe = inh.createFrontend();
    try {
      fe.accept(a);
      fe.popFrames(2);
      fe.reset();
      assert.equal(fe.framesEmitted, 0);
      assert.equal(fe.framesReady, 0);
      fe.accept(b);
      fe.inputFinished();
      assertBitIdentical(fe.popFrames(), inh.melCompute(b), 'after reset');
    } finally {
      fe.free();
    }
  });
});

describe('head table comes from heads.inc through the C ABI', () => {
  test('13 heads in contract order', () => {
    // The model contract (contracts/runtime_contract.md); a reordering of heads.inc must fail here.
    assert.deepEqual(
      inh.heads.map((h) => h.name),
      [
        'isInteresting', 'hasAddToListIntent', 'hasTermSearchQuery', 'hasPhotoQuery',
        'hasCalendarEvent', 'hasCreateDocIntent', 'hasPersonContext', 'hasEventContext',
        'hasDeepResearchIntent', 'hasInsightIntent', 'hasBrowsingAgentIntent',
        'hasCallingAgentIntent', 'hasStartTimerIntent',
      ],
    );
  });
  test('every field equals heads.inc', () => {
    const inc = fs.readFileSync(path.join(sourceDir, 'include/inherent/heads.inc'), 'utf8');
    const rows = [...inc.matchAll(/^INHERENT_HEAD\((\d+),\s*(\w+),\s*(\w+),\s*([\d.]+)f?\)/gm)].map((m) => ({
      index: Number(m[1]),
      name: m[2],
      thresholdKey: m[3],
      defaultThreshold: Math.fround(Number(m[4])),
    }));
    assert.equal(rows.length, 13);
    assert.deepEqual(inh.heads.map((h) => ({ ...h })), rows);
  });
  test('out-of-range heads are NULL / negative', () => {
    const m = inh.module;
    assert.equal(m._inherent_head_name(13), 0);
    assert.equal(m._inherent_head_name(-1), 0);
    assert.ok(m._inherent_head_default_threshold(13) < 0);
  });
});

describe('errors are statuses with messages, as natively', () => {
  const { Status, InherentError } = api;
  const expectError = (fn, status, pattern) =>
    assert.throws(fn, (e) => {
      assert.ok(e instanceof InherentError, `not an InherentError: ${e}`);
      assert.equal(e.status, status, `status ${e.status} (${e.statusName}): ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    });

  test('NaN and Inf samples: INVALID_AUDIO naming the sample, same message as native', () => {
    for (const [bad, index] of [[NaN, 1], [Infinity, 700], [-Infinity, 15999]]) {
      const pcm = noise(16000, 31, 0.1);
      pcm[index] = bad;
      expectError(() => inh.melCompute(pcm), Status.INVALID_AUDIO, new RegExp(`sample ${index} is NaN or infinite`));
      let message = '';
      try {
        inh.melCompute(pcm);
      } catch (e) {
        message = e.message;
      }
      const n = native(pcm);
      assert.equal(n.status, Status.INVALID_AUDIO, 'the native reference exits with the status');
      assert.equal(n.stderr, `invalid audio: ${message}`);
    }
  });
  test('a NaN past the frames read is ignored, as natively', () => {
    const pcm = noise(16000, 32, 0.1);
    pcm[10000] = NaN;
    const w = inh.melCompute(pcm, { maxFrames: 2 });
    const n = native(pcm, { maxFrames: 2 });
    assert.equal(n.status, 0);
    assert.equal(compare(w.data, n.mel).maxAbs, 0);
  });
  test('streaming: NaN index counts from the start of the clip', () => {
    const fe = inh.createFrontend();
    try {
      fe.accept(noise(1000, 33));
      const pcm = noise(500, 34);
      pcm[42] = NaN;
      expectError(() => fe.accept(pcm), Status.INVALID_AUDIO, /sample 1042 is NaN/);
    } finally {
      fe.free();
    }
  });
  test('accept after inputFinished: INVALID_STATE until reset', () => {
    const fe = inh.createFrontend();
    try {
      fe.accept(noise(800, 35));
      fe.inputFinished();
      expectError(() => fe.accept(noise(10, 36)), Status.INVALID_STATE, /reset/);
      fe.reset();
      fe.accept(noise(10, 36));
    } finally {
      fe.free();
    }
    expectError(() => fe.accept(noise(10, 36)), Status.INVALID_ARGUMENT, /after free/);
    fe.free(); // twice is harmless
  });
  test('raw ABI: NULL out-params, short buffers, no audio files in wasm', () => {
    const m = inh.module;
    const lastError = () => m.UTF8ToString(m._inherent_last_error());
    assert.equal(m._inherent_mel_n_frames(10, 0, 0), Status.INVALID_ARGUMENT);
    assert.match(lastError(), /n_frames is NULL/);
    const scratch = m._malloc(4 + 2 * N_MELS * 4);
    try {
      const pcm = m._malloc(4000);
      m.HEAPF32.fill(0, pcm >>> 2, (pcm >>> 2) + 1000);
      // 1000 samples need 4 frames; offer 2.
      assert.equal(m._inherent_mel_compute(pcm, 1000, 0, scratch + 4, 2, scratch), Status.BUFFER_TOO_SMALL);
      assert.match(lastError(), /holds 2 frames, need 4/);
      m._free(pcm);
      assert.equal(m._inherent_audio_read_file(0, scratch), Status.UNSUPPORTED);
      assert.equal(m._inherent_audio_from_pcm(0, 0, 1, 16000, scratch), Status.UNSUPPORTED);
      assert.match(lastError(), /no resampler/);
    } finally {
      m._free(scratch);
    }
    assert.equal(m.UTF8ToString(m._inherent_status_string(Status.INVALID_AUDIO)), 'invalid audio');
    assert.throws(() => inh.melCompute(noise(10, 1), { maxFrames: -1 }), RangeError);
  });
});

describe('the module exports only the C ABI', () => {
  test('exports.txt lists every function of inherent.h, plus malloc and free', () => {
    const header = fs.readFileSync(path.join(sourceDir, 'include/inherent/inherent.h'), 'utf8');
    const declared = [...header.matchAll(/^INHERENT_API\b[^;(]*?\b(inherent_\w+)\s*\(/gm)].map((m) => `_${m[1]}`);
    assert.ok(declared.length >= 20, 'parsing inherent.h found too few functions');
    const listed = fs.readFileSync(path.join(sourceDir, 'web/exports.txt'), 'utf8').split('\n').filter(Boolean);
    assert.deepEqual([...listed].sort(), [...declared, '_malloc', '_free'].sort());
  });
  test('the module exposes exactly that list', () => {
    const listed = fs.readFileSync(path.join(sourceDir, 'web/exports.txt'), 'utf8').split('\n').filter(Boolean);
    // Emscripten's own hooks start with two underscores; everything else is ours.
    const functions = Object.keys(inh.module).filter((k) => /^_[a-z]/.test(k) && typeof inh.module[k] === 'function');
    assert.deepEqual(functions.sort(), [...listed].sort());
  });
});

test('memory growth keeps results right (5 min clip, no cap)', async () => {
  const fresh = await api.loadInherent(); // starts with the initial 16 MiB
  const before = fresh.module.HEAPU8.length;
  const pcm = noise(300 * 16000, 41, 0.5); // 19 MB of samples + 8 MB of frames
  const all = fresh.melCompute(pcm, { maxFrames: 0 });
  assert.equal(all.nFrames, 15000);
  assert.ok(fresh.module.HEAPU8.length > before, 'expected the wasm memory to grow');
  const head = fresh.melCompute(pcm.subarray(0, 160000));
  // Frames 0..498 read only the first 10 s; frame 499 is zero-padded in the short clip.
  const k = 499 * N_MELS;
  assert.equal(compare(all.data.subarray(0, k), head.data.subarray(0, k)).maxAbs, 0);
});

test('throughput, 10 s of audio: wasm vs native', () => {
  const pcm = noise(160000, 51, 0.3);
  const seconds = pcm.length / 16000;
  const repeats = 200;
  // Per-call times, as the native side measures them: the minimum is what an idle core
  // does, the median what this (possibly shared) machine did.
  const stats = (ms) => {
    ms.sort((a, b) => a - b);
    return { min: ms[0], median: ms[ms.length >> 1] };
  };
  for (let i = 0; i < 10; i++) inh.melCompute(pcm); // let the JIT tier up
  const batchMs = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    inh.melCompute(pcm);
    batchMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const wasm = stats(batchMs);

  const streamMs = [];
  const fe = inh.createFrontend();
  for (let i = 0; i < 20; i++) {
    const t0 = process.hrtime.bigint();
    for (let at = 0; at < pcm.length; at += 1600) {
      fe.accept(pcm.subarray(at, at + 1600)); // 100 ms chunks, as a microphone sends them
      fe.popFrames();
    }
    fe.inputFinished();
    fe.popFrames();
    fe.reset();
    streamMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  fe.free();
  const stream = stats(streamMs);

  const n = native(pcm, { repeats });
  assert.equal(n.status, 0, n.stderr);
  const nat = {
    min: Number(/ms_min ([\d.]+)/.exec(n.stdout)[1]),
    median: Number(/ms_median ([\d.]+)/.exec(n.stdout)[1]),
  };
  const rt = (ms) => `${((seconds * 1000) / ms).toFixed(0)}x`;
  const line = (name, s) => `${name} ${s.min.toFixed(2)} / ${s.median.toFixed(2)} ms (${rt(s.min)} / ${rt(s.median)} real time)`;
  console.log(
    `# frontend on 10 s of audio, one thread, min / median per call: ${line('wasm batch', wasm)}; ` +
      `${line('wasm streaming 100 ms chunks', stream)}; ${line('native batch', nat)}; ` +
      `wasm/native ${(wasm.min / nat.min).toFixed(2)}x (min), ${(wasm.median / nat.median).toFixed(2)}x (median)`,
  );
  // A floor far below what either side does, to catch a broken build, not to benchmark.
  assert.ok(wasm.median < 200, `wasm frontend took ${wasm.median} ms for 10 s of audio`);
});
