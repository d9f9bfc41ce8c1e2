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

function toFloat32(samples) {
  if (samples instanceof Float32Array) return samples;
  if (samples && typeof samples.length === 'number') return Float32Array.from(samples);
  throw new TypeError('samples must be a Float32Array or an array of numbers');
}
