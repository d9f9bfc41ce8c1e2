// SPDX-License-Identifier: Apache-2.0
//
// inherent.mjs - the JavaScript face of the WebAssembly build. All work happens behind
// the C ABI (include/inherent/inherent.h) compiled from the same C++ as the native
// library; this file only moves bytes between JS arrays and wasm memory and turns
// statuses into exceptions. It holds no frontend math.
//
//   import { loadInherent } from './inherent.mjs';
//   const inh = await loadInherent();
//   const { data, nFrames } = inh.melCompute(samples);  // Float32Array, 16 kHz mono
//   // data: Float32Array [nFrames, 128], row-major
//
//   const fe = inh.createFrontend();  // streaming; frames equal melCompute bit for bit
//   fe.accept(chunk);                 // any chunk size
//   const ready = fe.popFrames();     // { data, nFrames }
//   fe.inputFinished();               // then popFrames() once more for the tail
//   fe.free();                        // wasm memory is not garbage-collected
//
//   inh.heads[0]  // { index: 0, name: 'isInteresting', thresholdKey: 'is_interesting', ... }
//
//   // The native engine: a model package as bytes (fetch() both files of the package
//   // folder, or one single-file package with the metadata embedded).
//   const model = inh.loadModel(weightsBytes, metadataText);  // Uint8Array, string
//   // (or loadModel(bytes, text, { precision: 'int8' }): int8 weights x 13-bit activations)
//   const scores = model.scoreAudio(samples);   // Float32Array [13], head order
//   model.decide(scores);                       // ['isInteresting', ...]
//   const stream = model.createStream({ windowMs: 2000, hopMs: 100 });
//   stream.accept(chunk);
//   for (const r of stream.results()) r.fired;  // { startS, endS, scores, fired, ... }
//   stream.free(); model.free();
//
// Failures throw InherentError { status, statusName, message } carrying the C ABI's
// message (inherent_last_error). An Inherent instance, like the module under it, is
// single-threaded; use one per worker.
import createInherentModule from './inherent-wasm.mjs';

// Spec constants. web/abi-layout.c static_asserts each one against inherent.h, so the
// build fails before these can drift.
export const N_MELS = 128; // float32 per frame
export const SAMPLE_RATE = 16000;
export const HOP_LENGTH = 320; // samples between frame starts (20 ms)
export const WIN_LENGTH = 400; // samples per window (25 ms)
export const N_HEADS = 13; // scores per result
export const MAX_FRAMES = 3000; // frames a model reads at most (60 s)

// inherent_status values (pinned in web/abi-layout.c as well).
export const Status = Object.freeze({
  OK: 0,
  INVALID_ARGUMENT: 1,
  INVALID_AUDIO: 2,
  IO_ERROR: 3,
  UNSUPPORTED: 4,
  INVALID_STATE: 5,
  BUFFER_TOO_SMALL: 6,
  OUT_OF_MEMORY: 7,
  INVALID_MODEL: 8,
  INTERNAL: 9,
});

export class InherentError extends Error {
  constructor(status, statusName, message) {
    super(message || statusName);
    this.name = 'InherentError';
    this.status = status;
    this.statusName = statusName;
  }
}

// Loads the module and returns an Inherent. options go to the emscripten factory
// (e.g. { locateFile } is not needed: the wasm binary is inlined).
export async function loadInherent(options = {}) {
  return new Inherent(await createInherentModule(options));
}

const FLOAT_BYTES = 4;
const FRAME_BYTES = N_MELS * FLOAT_BYTES;

export class Inherent {
  constructor(module) {
    this.module = module;
    const m = module;
    this.version = m.UTF8ToString(m._inherent_version());
    // The head table of heads.inc, read through the ABI rather than retyped here.
    // defaultThreshold is the exact float32 value the C side compares against.
    this.heads = Object.freeze(
      Array.from({ length: m._inherent_n_heads() }, (_, i) =>
        Object.freeze({
          index: i,
          name: m.UTF8ToString(m._inherent_head_name(i)),
          thresholdKey: m.UTF8ToString(m._inherent_head_threshold_key(i)),
          defaultThreshold: m._inherent_head_default_threshold(i),
        }),
      ),
    );
    // inherent_frontend_default_params() returns its one-field struct as the field.
    this.defaultMaxFrames = m._inherent_frontend_default_params() >>> 0;
  }

  // Throws InherentError unless status is OK.
  check(status) {
    if (status !== Status.OK) throw this.error(status, this.module.UTF8ToString(this.module._inherent_last_error()));
  }
  error(status, message) {
    return new InherentError(status, this.module.UTF8ToString(this.module._inherent_status_string(status)), message);
  }

  // malloc that never returns NULL for a non-empty request; callers free().
  alloc(bytes) {
    if (bytes === 0) return 0;
    const ptr = this.module._malloc(bytes);
    if (ptr === 0) throw this.error(Status.OUT_OF_MEMORY, `cannot allocate ${bytes} bytes in wasm memory`);
    return ptr;
  }

  // The heap views are replaced whenever memory grows, so read them after each call.
  u32(ptr) {
    return this.module.HEAPU32[ptr >>> 2];
  }
  writeF32(ptr, samples) {
    if (samples.length) this.module.HEAPF32.set(samples, ptr >>> 2);
  }
  copyF32(ptr, n) {
    return this.module.HEAPF32.slice(ptr >>> 2, (ptr >>> 2) + n);
  }

  // Frames melCompute returns for nSamples samples (maxFrames: 0 = no cap).
  melNFrames(nSamples, { maxFrames } = {}) {
    const m = this.module;
    const scratch = this.alloc(8); // [params: u32 max_frames][n_frames: u32]
    try {
      const params = this.params(scratch, maxFrames);
      this.check(m._inherent_mel_n_frames(nSamples, params, scratch + 4));
      return this.u32(scratch + 4);
    } finally {
      m._free(scratch);
    }
  }

  // Batch log-mel of 16 kHz mono samples in [-1, 1].
  // Returns { data: Float32Array [nFrames, 128], nFrames }.
  melCompute(samples, { maxFrames } = {}) {
    const m = this.module;
    const pcm = toFloat32(samples);
    const scratch = this.alloc(8);
    let input = 0;
    let out = 0;
    try {
      const params = this.params(scratch, maxFrames);
      this.check(m._inherent_mel_n_frames(pcm.length, params, scratch + 4));
      const nFrames = this.u32(scratch + 4);
      input = this.alloc(pcm.length * FLOAT_BYTES);
      out = this.alloc(nFrames * FRAME_BYTES);
      this.writeF32(input, pcm);
      this.check(m._inherent_mel_compute(input, pcm.length, params, out, nFrames, scratch + 4));
      const written = this.u32(scratch + 4);
      return { data: this.copyF32(out, written * N_MELS), nFrames: written };
    } finally {
      m._free(out);
      m._free(input);
      m._free(scratch);
    }
  }

  // A streaming frontend, one per audio source. Call free() when done.
  createFrontend() {
    return new Frontend(this);
  }

  // A model package from bytes: weights = the safetensors file (Uint8Array or
  // ArrayBuffer); metadata = the inherent.metadata.json text, or undefined when the
  // weights embed it (single-buffer form). options.precision: 'float32' (default) or
  // 'int8' (int8 weights x 13-bit activations in the Conformer blocks; docs/engine.md).
  // Call free() when done.
  loadModel(weights, metadata, options = {}) {
    return new Model(this, weights, metadata, options);
  }

  // Writes inherent_frontend_params at ptr; returns ptr, or NULL (0) for the defaults.
  params(ptr, maxFrames) {
    if (maxFrames === undefined) return 0;
    if (!Number.isInteger(maxFrames) || maxFrames < 0 || maxFrames > 0xffffffff)
      throw new RangeError(`maxFrames must be an integer in [0, 2^32), got ${maxFrames}`);
    this.module.HEAPU32[ptr >>> 2] = maxFrames; // offset 0, pinned by abi-layout.c
    return ptr;
  }
}

export class Frontend {
  constructor(inherent) {
    this.inherent = inherent;
    const m = inherent.module;
    this.scratch = inherent.alloc(4); // out-parameters (handle, n_popped)
    this.input = 0; // reused sample buffer, grown on demand
    this.inputCapacity = 0;
    try {
      inherent.check(m._inherent_frontend_init(0, this.scratch));
    } catch (e) {
      m._free(this.scratch);
      throw e;
    }
    this.handle = inherent.u32(this.scratch);
  }

  // Appends samples (Float32Array or array-like, any length).
  accept(samples) {
    const pcm = toFloat32(samples);
    const inh = this.inherent;
    const m = inh.module;
    this.live();
    if (pcm.length > this.inputCapacity) {
      const grown = inh.alloc(pcm.length * FLOAT_BYTES);
      m._free(this.input);
      this.input = grown;
      this.inputCapacity = pcm.length;
    }
    inh.writeF32(this.input, pcm);
    inh.check(m._inherent_frontend_accept(this.handle, this.input, pcm.length));
  }

  // No more samples: the zero-padded tail frames become ready.
  inputFinished() {
    this.inherent.check(this.inherent.module._inherent_frontend_input_finished(this.handle));
  }

  get framesReady() {
    return this.inherent.module._inherent_frontend_frames_ready(this.handle) >>> 0;
  }
  get framesEmitted() {
    return this.inherent.module._inherent_frontend_frames_emitted(this.handle) >>> 0;
  }

  // Pops up to maxFrames ready frames (default: all). Returns { data, nFrames }.
  popFrames(maxFrames = this.framesReady) {
    const inh = this.inherent;
    const m = inh.module;
    this.live();
    const out = inh.alloc(maxFrames * FRAME_BYTES);
    try {
      inh.check(m._inherent_frontend_pop_frames(this.handle, out, maxFrames, this.scratch));
      const n = inh.u32(this.scratch);
      return { data: inh.copyF32(out, n * N_MELS), nFrames: n };
    } finally {
      m._free(out);
    }
  }

  // Forgets all samples and frames; the frontend can start a new clip.
  reset() {
    this.inherent.check(this.inherent.module._inherent_frontend_reset(this.handle));
  }

  // Releases the wasm memory. Using the frontend afterwards throws INVALID_ARGUMENT
  // (the C ABI would say the same of its NULL handle); free() twice is harmless.
  free() {
    const m = this.inherent.module;
    m._inherent_frontend_free(this.handle);
    m._free(this.input);
    m._free(this.scratch);
    this.handle = 0;
    this.input = 0;
    this.inputCapacity = 0;
    this.scratch = 0;
  }

  live() {
    if (this.handle === 0) throw this.inherent.error(Status.INVALID_ARGUMENT, 'Frontend: used after free()');
  }
}

const RESULT_BYTES = 128; // inherent_stream_result, pinned in abi-layout.c
const STREAM_PARAMS_BYTES = 32; // inherent_stream_params

// A loaded model package with one scoring session. Like the module, single-threaded.
export class Model {
  constructor(inherent, weights, metadata, { precision = 'float32' } = {}) {
    this.inherent = inherent;
    const m = inherent.module;
    if (precision !== 'float32' && precision !== 'int8') {
      throw new TypeError(`precision must be 'float32' or 'int8', not ${JSON.stringify(precision)}`);
    }
    const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
    const text = metadata === undefined || metadata === null ? null : new TextEncoder().encode(String(metadata));
    const scratch = inherent.alloc(16); // [0, 8): two handles; [8, 16): inherent_model_params
    let w = 0;
    let t = 0;
    try {
      w = inherent.alloc(bytes.length);
      m.HEAPU8.set(bytes, w);
      if (text) {
        t = inherent.alloc(text.length);
        m.HEAPU8.set(text, t);
      }
      m.HEAPU32[(scratch + 8) >>> 2] = 0; // INHERENT_KERNELS_AUTO
      m.HEAPU32[(scratch + 12) >>> 2] = precision === 'int8' ? 1 : 0; // INHERENT_PRECISION_*
      inherent.check(
        m._inherent_model_init_from_memory(w, bytes.length, t, text ? text.length : 0, scratch + 8, scratch),
      );
      this.handle = inherent.u32(scratch);
      const status = m._inherent_session_init(this.handle, 0, scratch + 4);
      if (status !== Status.OK) {
        const error = inherent.error(status, m.UTF8ToString(m._inherent_last_error()));
        m._inherent_model_free(this.handle);
        throw error;
      }
      this.session = inherent.u32(scratch + 4);
    } finally {
      m._free(t);
      m._free(w);
      m._free(scratch);
    }
    this.scores = inherent.alloc(N_HEADS * FLOAT_BYTES + 4); // scores + fired mask
    this.input = 0;
    this.inputCapacity = 0;
    this.version = m.UTF8ToString(m._inherent_model_version(this.handle));
    this.kernels = m.UTF8ToString(m._inherent_model_kernels_name(this.handle));
    this.precision = m._inherent_model_precision(this.handle) === 1 ? 'int8' : 'float32';
    this.nParams = m._inherent_model_n_params(this.handle) >>> 0; // low 32 bits of the i64
    this.metadata = JSON.parse(m.UTF8ToString(m._inherent_model_metadata(this.handle)));
    // Package thresholds by head, as the float32 values the C side compares against.
    this.thresholds = Float32Array.from({ length: N_HEADS }, (_, i) => m._inherent_model_threshold(this.handle, i));
  }

  // Copies floats into the reused input buffer; returns its address.
  stage(values) {
    const inh = this.inherent;
    if (values.length > this.inputCapacity) {
      const grown = inh.alloc(values.length * FLOAT_BYTES);
      inh.module._free(this.input);
      this.input = grown;
      this.inputCapacity = values.length;
    }
    inh.writeF32(this.input, values);
    return this.input;
  }

  // Scores of log-mels: mel Float32Array [nFrames, 128] row-major (all-zero frames are
  // padding). Returns Float32Array [13].
  scoreMel(mel, nFrames = mel.length / N_MELS) {
    this.live();
    const data = toFloat32(mel);
    if (!Number.isInteger(nFrames) || nFrames * N_MELS !== data.length)
      throw new RangeError(`mel holds ${data.length} values, not nFrames (${nFrames}) x ${N_MELS}`);
    const ptr = this.stage(data);
    this.inherent.check(this.inherent.module._inherent_session_score_mel(this.session, ptr, nFrames, this.scores));
    return this.inherent.copyF32(this.scores, N_HEADS);
  }

  // Scores of 16 kHz mono samples (the first 60 s). Returns Float32Array [13]. Audio
  // with less than 200 ms of voiced sound (empty, silent) scores 0 on every head; see
  // voicedFrames().
  scoreAudio(samples) {
    this.live();
    const pcm = toFloat32(samples);
    const ptr = this.stage(pcm);
    this.inherent.check(this.inherent.module._inherent_session_score_audio(this.session, ptr, pcm.length, this.scores));
    return this.inherent.copyF32(this.scores, N_HEADS);
  }

  // Voiced 20 ms frames of the last input scored (the minimum-evidence rule needs 10).
  voicedFrames() {
    this.live();
    return this.inherent.module._inherent_session_voiced_frames(this.session) >>> 0;
  }

  // Names of the heads that fire for scores [13] (package thresholds; intents need the
  // gate). decideMask gives the bits.
  decide(scores) {
    return headNames(this.inherent, this.decideMask(scores));
  }
  decideMask(scores) {
    this.live();
    const inh = this.inherent;
    const s = toFloat32(scores);
    if (s.length !== N_HEADS) throw new RangeError(`scores must have ${N_HEADS} values`);
    inh.writeF32(this.scores, s);
    const fired = this.scores + N_HEADS * FLOAT_BYTES;
    inh.check(inh.module._inherent_model_decide(this.handle, this.scores, fired));
    return inh.u32(fired);
  }

  // A stream over this model (free it before the model). options: windowMs, hopMs,
  // smoothing, hysteresis, maxPending, partial, minVoicedMs (see inherent_stream_params).
  createStream(options = {}) {
    this.live();
    return new Stream(this, options);
  }

  // Releases the model, its session and buffers; free() twice is harmless.
  free() {
    const m = this.inherent.module;
    if (this.handle === 0) return;
    m._inherent_session_free(this.session);
    m._inherent_model_free(this.handle);
    m._free(this.scores);
    m._free(this.input);
    this.handle = this.session = this.scores = this.input = this.inputCapacity = 0;
  }

  live() {
    if (!this.handle) throw this.inherent.error(Status.INVALID_ARGUMENT, 'Model: used after free()');
  }
}

function headNames(inherent, mask) {
  return inherent.heads.filter((h) => mask & (1 << h.index)).map((h) => h.name);
}

export class Stream {
  constructor(model, options) {
    const inh = model.inherent;
    const m = inh.module;
    this.model = model;
    this.inherent = inh;
    const params = inh.alloc(STREAM_PARAMS_BYTES + 4);
    try {
      m._inherent_stream_default_params(params); // hidden result pointer (abi-layout.c)
      const u32 = (off, v, name) => {
        if (v === undefined) return;
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${name} must be a u32, got ${v}`);
        m.HEAPU32[(params + off) >>> 2] = v;
      };
      u32(0, options.windowMs, 'windowMs');
      u32(4, options.hopMs, 'hopMs');
      u32(8, options.smoothing, 'smoothing');
      if (options.hysteresis !== undefined) m.HEAPF32[(params + 12) >>> 2] = options.hysteresis;
      u32(16, options.maxPending, 'maxPending');
      if (options.partial !== undefined) m.HEAP32[(params + 20) >>> 2] = options.partial ? 1 : 0;
      u32(28, options.minVoicedMs, 'minVoicedMs');
      inh.check(m._inherent_stream_init(model.handle, params, params + STREAM_PARAMS_BYTES));
      this.handle = inh.u32(params + STREAM_PARAMS_BYTES);
    } finally {
      m._free(params);
    }
    this.result = inh.alloc(RESULT_BYTES);
    this.input = 0;
    this.inputCapacity = 0;
  }

  // Appends 16 kHz mono samples (any length). Cheap: the model runs in results().
  accept(samples) {
    const inh = this.inherent;
    const pcm = toFloat32(samples);
    this.live();
    if (pcm.length > this.inputCapacity) {
      const grown = inh.alloc(pcm.length * FLOAT_BYTES);
      inh.module._free(this.input);
      this.input = grown;
      this.inputCapacity = pcm.length;
    }
    inh.writeF32(this.input, pcm);
    inh.check(inh.module._inherent_stream_accept(this.handle, this.input, pcm.length));
  }

  inputFinished() {
    this.live();
    this.inherent.check(this.inherent.module._inherent_stream_input_finished(this.handle));
  }

  get ready() {
    return this.handle ? this.inherent.module._inherent_stream_ready(this.handle) >>> 0 : 0;
  }

  // Runs the model on every ready window: [{ startS, endS, scores, smoothed, fired,
  // firedMask, skipped }], oldest first.
  results() {
    const inh = this.inherent;
    const m = inh.module;
    this.live();
    const out = [];
    while ((m._inherent_stream_ready(this.handle) >>> 0) > 0) {
      inh.check(m._inherent_stream_scores(this.handle, this.result));
      const r = this.result;
      const firedMask = m.HEAPU32[(r + 120) >>> 2];
      out.push({
        startS: m.HEAPF64[r >>> 3],
        endS: m.HEAPF64[(r + 8) >>> 3],
        scores: inh.copyF32(r + 16, N_HEADS),
        smoothed: inh.copyF32(r + 68, N_HEADS),
        firedMask,
        fired: headNames(inh, firedMask),
        skipped: m.HEAPU32[(r + 124) >>> 2],
      });
    }
    return out;
  }

  reset() {
    this.live();
    this.inherent.check(this.inherent.module._inherent_stream_reset(this.handle));
  }

  free() {
    const m = this.inherent.module;
    if (this.handle === 0) return;
    m._inherent_stream_free(this.handle);
    m._free(this.result);
    m._free(this.input);
    this.handle = this.result = this.input = this.inputCapacity = 0;
  }

  live() {
    if (!this.handle) throw this.inherent.error(Status.INVALID_ARGUMENT, 'Stream: used after free()');
  }
}

function toFloat32(samples) {
  if (samples instanceof Float32Array) return samples;
  if (samples && typeof samples.length === 'number') return Float32Array.from(samples);
  throw new TypeError('samples must be a Float32Array or an array of numbers');
}
