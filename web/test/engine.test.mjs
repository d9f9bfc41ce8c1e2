// SPDX-License-Identifier: Apache-2.0
//
// The WebAssembly engine against the native one. ctest runs it (preset `wasm`) as
//   node web/test/engine.test.mjs
// with INHERENT_WASM_DIR (inherent.mjs + inherent-wasm.mjs) and INHERENT_NATIVE_REF_DIR
// (web/test/native-ref built for the host: inherent-score-ref scores through the native
// C ABI, inherent-make-package writes random packages with the library's writer). Both
// sides load the same package bytes and get the same float32 input; the bar is
// max |score diff| <= 1e-5 (the native side runs AVX2/AVX-512 kernels with FMA, the
// wasm side SIMD128 without, so the last bits differ). Also checked: the committed
// fixture's float64 reference scores, streams equal to scoreMel on their windows, the
// single-buffer form, errors, and speed (printed, wasm vs native, small model, 1 s).
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
const refDir = process.env.INHERENT_NATIVE_REF_DIR || path.join(wasmDir, 'native-ref');
const scoreRef = path.join(refDir, 'inherent-score-ref');
const makePackage = path.join(refDir, 'inherent-make-package');
const fixture = path.join(sourceDir, 'data/fixtures/tiny-random');
const badFixture = path.join(sourceDir, 'data/fixtures/tiny-bad-frontend');
const TOLERANCE = 1e-5;
const N_MELS = 128;

for (const [what, file] of [
  ['the WebAssembly module', path.join(wasmDir, 'inherent-wasm.mjs')],
  ['the native scorer', scoreRef],
  ['the package writer', makePackage],
]) {
  if (!fs.existsSync(file)) {
    console.error(`engine.test.mjs: ${what} is missing: ${file}\n  build it with: cmake --build --preset wasm`);
    process.exit(1);
  }
}

const api = await import(pathToFileURL(path.join(wasmDir, 'inherent.mjs')).href);
let inh;
let tmp;
let small; // { dir, model }
before(async () => {
  inh = await api.loadInherent();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inherent-wasm-engine-'));
  const dir = path.join(tmp, 'small');
  run(makePackage, ['small', '5', dir]);
  small = { dir, model: loadDir(dir) };
});
after(() => {
  small?.model.free();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function run(exe, args) {
  const r = spawnSync(exe, args, { encoding: 'utf8' });
  assert.equal(r.error, undefined, `cannot run ${exe}: ${r.error}`);
  assert.equal(r.status, 0, `${path.basename(exe)} ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

function loadDir(dir) {
  return inh.loadModel(
    fs.readFileSync(path.join(dir, 'model.safetensors')),
    fs.readFileSync(path.join(dir, 'inherent.metadata.json'), 'utf8'),
  );
}

// float32 C-order .npy -> { data, shape }.
function readNpy(file) {
  const b = fs.readFileSync(file);
  assert.equal(b.toString('latin1', 1, 6), 'NUMPY');
  const headerLen = b.readUInt16LE(8);
  const header = b.toString('latin1', 10, 10 + headerLen);
  assert.match(header, /'descr': '<f4'/);
  const shape = /'shape': \(([^)]*)\)/.exec(header)[1].split(',').filter((s) => s.trim()).map(Number);
  const body = b.subarray(10 + headerLen);
  return { data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)), shape };
}

// 16-bit mono 16 kHz WAV -> Float32Array (scaled by 1/32768, as libsndfile does).
function readWav16(file) {
  const b = fs.readFileSync(file);
  for (let o = 12; o + 8 <= b.length; ) {
    const id = b.toString('latin1', o, o + 4);
    const size = b.readUInt32LE(o + 4);
    if (id === 'data') {
      const n = Math.floor(Math.min(size, b.length - o - 8) / 2);
      return Float32Array.from({ length: n }, (_, i) => b.readInt16LE(o + 8 + 2 * i) / 32768);
    }
    o += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

let fileId = 0;
// Native scores of input through inherent-score-ref.
function native(pkg, mode, input, repeats) {
  const inFile = path.join(tmp, `in-${fileId}.f32`);
  const outFile = path.join(tmp, `out-${fileId++}.f32`);
  fs.writeFileSync(inFile, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
  const r = run(scoreRef, [pkg, mode, inFile, outFile, ...(repeats ? [String(repeats)] : [])]);
  const bytes = fs.readFileSync(outFile);
  const scores = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const min = /ms_min ([\d.]+)/.exec(r.stdout);
  return { scores, msMin: min ? Number(min[1]) : NaN, kernels: /kernels (\w+)/.exec(r.stdout)[1] };
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('the committed fixture', () => {
  test('loads, and scores as the float64 reference and the native engine do', () => {
    const model = loadDir(fixture);
    try {
      assert.equal(model.kernels, 'generic');
      assert.equal(model.version, '0.0.0');
      assert.equal(model.nParams, 40686);
      assert.equal(model.metadata.model_name, 'tiny-random');
      assert.deepEqual(Array.from(model.thresholds), inh.heads.map((h) => h.defaultThreshold));
      const { data, shape } = readNpy(path.join(fixture, 'input.npy'));
      const scores = model.scoreMel(data, shape[0]);
      const expected = JSON.parse(fs.readFileSync(path.join(fixture, 'expected.json'), 'utf8')).scores;
      assert.ok(maxDiff(scores, expected) <= TOLERANCE, `vs float64 reference: ${maxDiff(scores, expected)}`);
      const n = native(fixture, 'mel', data);
      assert.ok(maxDiff(scores, n.scores) <= TOLERANCE, `vs native: ${maxDiff(scores, n.scores)}`);
    } finally {
      model.free();
    }
  });
});

describe('the whisper family', () => {
  // tests/data/whisper-family: a random model of the family (src/backbone/package.py)
  // and the logits of its torch reference in float64 on log-mels of 1 to 151 frames.
  test('scores as its float64 reference and the native engine do, framed in padding too', () => {
    const data = path.join(sourceDir, 'tests/data/whisper-family');
    const dir = path.join(tmp, 'whisper-family');
    run(makePackage, ['--from-weights', path.join(data, 'weights.safetensors'), dir]);
    const model = loadDir(dir);
    try {
      assert.equal(model.metadata.config.family, 'whisper');
      const logits = readNpy(path.join(data, 'expected.npy')).data;
      const lengths = JSON.parse(fs.readFileSync(path.join(data, 'lengths.json'), 'utf8'));
      let scored = 0;
      lengths.forEach((n, i) => {
        const { data: mel } = readNpy(path.join(data, `mel-${n}.npy`));
        const want = Array.from(logits.subarray(13 * i, 13 * (i + 1)), (l) => 1 / (1 + Math.exp(-l)));
        const scores = model.scoreMel(mel, n);
        // Too little voiced sound scores 0 on every head (the minimum-evidence rule).
        if (model.voicedFrames() < 10) want.fill(0);
        else scored++;
        assert.ok(maxDiff(scores, want) <= TOLERANCE, `${n} frames vs float64 reference: ${maxDiff(scores, want)}`);
        const nat = native(dir, 'mel', mel).scores;
        assert.ok(maxDiff(scores, nat) <= TOLERANCE, `${n} frames vs native: ${maxDiff(scores, nat)}`);
        const framed = new Float32Array((n + 5) * N_MELS);
        framed.set(mel, 2 * N_MELS);  // 2 zero frames before, 3 after
        const again = model.scoreMel(framed, n + 5);
        assert.ok(maxDiff(again, scores) <= 1e-6, `${n} frames framed in padding: ${maxDiff(again, scores)}`);
      });
      assert.ok(scored >= 2, `only ${scored} clips ran the model`);
    } finally {
      model.free();
    }
  });
});

describe('an ensemble', () => {
  // The whisper family's test model (0.25) and the tiny random Conformer (0.75) as one
  // package: the weighted sum of the members' logits, as the native engine computes it.
  test('scores the weighted sum of its members, as the native engine does', () => {
    const data = path.join(sourceDir, 'tests/data/whisper-family');
    const dir = path.join(tmp, 'ensemble');
    const whisperDir = path.join(tmp, 'ensemble-whisper');
    run(makePackage, ['--from-weights', path.join(data, 'weights.safetensors'), whisperDir]);
    run(makePackage, ['--ensemble', dir, `${path.join(data, 'weights.safetensors')}:0.25`,
      `${path.join(fixture, 'model.safetensors')}:0.75`]);
    const [model, a, b] = [loadDir(dir), loadDir(whisperDir), loadDir(fixture)];
    try {
      assert.equal(model.metadata.config.family, 'ensemble');
      assert.equal(model.nParams, a.nParams + b.nParams);
      const logit = (p) => Math.log(p / (1 - p));
      let compared = 0;
      for (const n of [50, 151]) {
        const { data: mel } = readNpy(path.join(data, `mel-${n}.npy`));
        const scores = model.scoreMel(mel, n);
        const sa = a.scoreMel(mel, n);
        const sb = b.scoreMel(mel, n);
        const want = Array.from(sa, (s, h) => 1 / (1 + Math.exp(-(0.25 * logit(s) + 0.75 * logit(sb[h])))));
        assert.ok(maxDiff(scores, want) <= 1e-5, `${n} frames vs its members: ${maxDiff(scores, want)}`);
        const nat = native(dir, 'mel', mel).scores;
        assert.ok(maxDiff(scores, nat) <= TOLERANCE, `${n} frames vs native: ${maxDiff(scores, nat)}`);
        compared++;
      }
      assert.equal(compared, 2);
    } finally {
      model.free();
      a.free();
      b.free();
    }
  });
});

describe('wasm engine equals the native engine', () => {
  let worst = 0;
  const wavs = fs.readdirSync(path.join(sourceDir, 'data/examples/audio')).filter((f) => f.endsWith('.wav')).sort();
  for (const f of wavs) {
    test(f, () => {
      const pcm = readWav16(path.join(sourceDir, 'data/examples/audio', f));
      const w = small.model.scoreAudio(pcm);
      const n = native(small.dir, 'audio', pcm);
      const d = maxDiff(w, n.scores);
      worst = Math.max(worst, d);
      assert.ok(d <= TOLERANCE, `max |wasm - native| = ${d}`);
      // The mel path gives the same as the audio path.
      assert.deepEqual(small.model.scoreMel(inh.melCompute(pcm).data), w);
    });
  }
  test('padding to 60 s changes nothing', () => {
    const pcm = readWav16(path.join(sourceDir, 'data/examples/audio', wavs[0]));
    const { data, nFrames } = inh.melCompute(pcm);
    const padded = new Float32Array(3000 * N_MELS);
    padded.set(data);
    assert.deepEqual(small.model.scoreMel(padded, 3000), small.model.scoreMel(data, nFrames));
  });
  after(() => console.log(`# small model, ${wavs.length} clips: max |wasm - native| ${worst.toExponential(2)}`));
});

describe('int8 precision', () => {
  test('equals the native int8 engine, and stays near float32', () => {
    const int8 = inh.loadModel(
      fs.readFileSync(path.join(small.dir, 'model.safetensors')),
      fs.readFileSync(path.join(small.dir, 'inherent.metadata.json'), 'utf8'),
      { precision: 'int8' },
    );
    try {
      assert.equal(int8.precision, 'int8');
      assert.equal(small.model.precision, 'float32');
      let worstNative = 0;
      let worstFloat = 0;
      for (const f of ['calendar_dentist.wav', 'tv_narration.wav']) {
        const pcm = readWav16(path.join(sourceDir, 'data/examples/audio', f));
        const w = int8.scoreAudio(pcm);
        worstNative = Math.max(worstNative, maxDiff(w, native(small.dir, 'audio-int8', pcm).scores));
        worstFloat = Math.max(worstFloat, maxDiff(w, small.model.scoreAudio(pcm)));
      }
      console.log(`# int8: max |wasm - native int8| ${worstNative.toExponential(2)}, vs float32 ${worstFloat.toExponential(2)}`);
      // Integer sums are exact on both sides, but the float activations they quantize
      // differ in their last bits (FMA on one side only), which can move a value across a
      // 13-bit rounding boundary (one step = 1/4095 of its row's largest): measured
      // 1.6e-5 here, so the bar is 1e-4 rather than the float path's 1e-5.
      assert.ok(worstNative <= 1e-4, `max |wasm int8 - native int8| = ${worstNative}`);
      assert.ok(worstFloat > 0 && worstFloat <= 5e-3, `int8 vs float32: ${worstFloat}`);
    } finally {
      int8.free();
    }
    assert.throws(() => inh.loadModel(new Uint8Array(8), null, { precision: 'int4' }), TypeError);
  });
});

describe('streams', () => {
  test('every result equals scoreMel on its window', () => {
    const pcm = readWav16(path.join(sourceDir, 'data/examples/audio', 'calendar_dentist.wav'));
    const mel = inh.melCompute(pcm, { maxFrames: 0 });
    const stream = small.model.createStream({ windowMs: 1000, hopMs: 100 });
    try {
      const results = [];
      for (let at = 0; at < pcm.length; at += 777) {
        stream.accept(pcm.subarray(at, at + 777));
        results.push(...stream.results());
      }
      stream.inputFinished();
      results.push(...stream.results());
      assert.equal(results.length, Math.ceil(mel.nFrames / 5));
      for (const r of results) {
        const a = Math.round(r.startS / 0.02);
        const b = Math.round(r.endS / 0.02);
        const want = small.model.scoreMel(mel.data.subarray(a * N_MELS, b * N_MELS), b - a);
        assert.deepEqual(r.scores, want, `window [${a}, ${b})`);
        assert.deepEqual(r.fired, small.model.decide(r.scores));
        assert.equal(r.skipped, 0);
      }
    } finally {
      stream.free();
    }
  });
  test('options, reset and a slow reader', () => {
    const stream = small.model.createStream({ maxPending: 3, smoothing: 2, hysteresis: 0.01, partial: false });
    try {
      const pcm = readWav16(path.join(sourceDir, 'data/examples/audio', 'tv_narration.wav'));
      stream.accept(pcm);
      assert.equal(stream.ready, 3);
      const rs = stream.results();
      assert.ok(rs[0].skipped > 0);
      assert.ok(rs.every((r) => r.endS - r.startS === 2));
      for (let h = 0; h < 13; h++) assert.ok(Math.abs(rs[1].smoothed[h] - (rs[0].scores[h] + rs[1].scores[h]) / 2) < 1e-6);
      stream.reset();
      assert.equal(stream.ready, 0);
    } finally {
      stream.free();
    }
    assert.throws(() => small.model.createStream({ windowMs: 30 }), (e) => e.status === api.Status.INVALID_ARGUMENT);
  });
});

describe('packages and errors', () => {
  test('single-buffer form', () => {
    const file = path.join(tmp, 'tiny.inherent');
    run(makePackage, ['tiny', '7', file, '--single']);
    const model = inh.loadModel(fs.readFileSync(file));
    try {
      const fixtureModel = loadDir(fixture);
      const { data, shape } = readNpy(path.join(fixture, 'input.npy'));
      assert.deepEqual(model.scoreMel(data, shape[0]), fixtureModel.scoreMel(data, shape[0]));
      fixtureModel.free();
    } finally {
      model.free();
    }
  });
  test('bad packages fail naming the key', () => {
    assert.throws(() => loadDir(badFixture), (e) => {
      assert.equal(e.status, api.Status.INVALID_MODEL);
      assert.match(e.message, /frontend\.hop_length: is 160/);
      return true;
    });
    assert.throws(() => inh.loadModel(new Uint8Array([1, 2, 3]), '{}'), (e) => e.status === api.Status.INVALID_MODEL);
    assert.throws(
      () => inh.loadModel(fs.readFileSync(path.join(fixture, 'model.safetensors'))),
      /no metadata given and none embedded/,
    );
  });
  test('bad input', () => {
    // All padding, empty or silent audio: 0 on every head (minimum evidence), as natively.
    assert.deepEqual(Array.from(small.model.scoreMel(new Float32Array(10 * N_MELS))), new Array(13).fill(0));
    for (const audio of [new Float32Array(0), new Float32Array([0.5]), new Float32Array(11200)]) {
      const scores = small.model.scoreAudio(audio);
      assert.deepEqual(Array.from(scores), new Array(13).fill(0));
      assert.deepEqual(small.model.decide(scores), []);
      assert.ok(small.model.voicedFrames() < 10);
    }
    const quiet = small.model.createStream();
    quiet.inputFinished();
    assert.equal(quiet.ready, 0);
    quiet.free();
    assert.throws(() => small.model.scoreMel(new Float32Array(10)), RangeError);
    const m = loadDir(fixture);
    m.free();
    assert.throws(() => m.scoreAudio(new Float32Array(100)), /used after free/);
    m.free(); // twice is harmless
  });
});

test('speed, small model, 1 s window: wasm vs native, float32 and int8', () => {
  const { data } = inh.melCompute(readWav16(path.join(sourceDir, 'data/examples/audio', 'call_sarah.wav')));
  const mel = data.subarray(0, 50 * N_MELS); // 1 s
  const int8 = inh.loadModel(
    fs.readFileSync(path.join(small.dir, 'model.safetensors')),
    fs.readFileSync(path.join(small.dir, 'inherent.metadata.json'), 'utf8'),
    { precision: 'int8' },
  );
  const time = (model) => {
    for (let i = 0; i < 20; i++) model.scoreMel(mel, 50);
    const ms = [];
    for (let i = 0; i < 200; i++) {
      const t0 = process.hrtime.bigint();
      model.scoreMel(mel, 50);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return ms.sort((a, b) => a - b);
  };
  const ms = time(small.model);
  const ms8 = time(int8);
  int8.free();
  const n = native(small.dir, 'mel', mel, 200);
  const n8 = native(small.dir, 'mel-int8', mel, 200);
  console.log(
    `# small, 1 s window, one thread: wasm (simd128) ${ms[0].toFixed(3)} ms min / ${ms[100].toFixed(3)} ms median; ` +
      `native (${n.kernels}) ${n.msMin.toFixed(3)} ms min; wasm/native ${(ms[0] / n.msMin).toFixed(2)}x`,
  );
  console.log(
    `# int8: wasm ${ms8[0].toFixed(3)} ms min (${(ms[0] / ms8[0]).toFixed(2)}x faster than wasm float32); ` +
      `native ${n8.msMin.toFixed(3)} ms min (${(n.msMin / n8.msMin).toFixed(2)}x faster than native float32)`,
  );
  assert.ok(ms[100] < 100, `wasm took ${ms[100]} ms for a 1 s window`);
  assert.ok(ms8[100] < 100, `wasm int8 took ${ms8[100]} ms for a 1 s window`);
});
