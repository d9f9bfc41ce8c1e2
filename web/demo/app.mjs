// SPDX-License-Identifier: Apache-2.0
//
// The browser demo: our frontend (log-mel) and engine compiled to WebAssembly, and the
// same model exported to ONNX run by ONNX Runtime Web, side by side on the microphone
// or on a dropped audio file. No feature math lives here: samples go to inherent.mjs,
// log-mels come back and both runtimes score the very same frames.
//
// URL parameters (all optional):
//   model=model/   folder holding onnx/{model.onnx, inherent.metadata.json} and
//                  native/{model.safetensors, inherent.metadata.json}; models.json
//                  (web/demo/build.mjs --also) lists the ones the page offers to pick
//   window=2000    sliding window in ms          hop=250  inference period in ms
//   ep=auto        ONNX Runtime Web backend: auto (WebGPU when available, else wasm),
//                  wasm or webgpu
import * as ort from './vendor/ort/ort.all.min.mjs';
import { loadInherent, N_MELS, SAMPLE_RATE } from './lib/inherent.mjs';

const params = new URLSearchParams(location.search);
const config = {
  model: withSlash(params.get('model') || 'model/'),
  windowMs: positiveInt(params.get('window'), 2000),
  hopMs: positiveInt(params.get('hop'), 250),
  ep: params.get('ep') || 'auto',
};

const $ = (id) => document.getElementById(id);
const statusEl = $('status');
const latencies = { frontend: [], ort: [], engine: [] };
const MAX_KEPT = 2000; // latencies kept per runtime

// What tests and curious users can reach from the console.
const demo = { config, latencies, inferences: 0, level: -Infinity, lastWindow: null, lastFile: null };
window.inherentDemo = demo;

function withSlash(s) {
  return s.endsWith('/') ? s : s + '/';
}
function positiveInt(v, fallback) {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
function setStatus(text, state) {
  statusEl.textContent = text;
  if (state) document.body.dataset.state = state;
}
function showMicMessage(text, isError = true) {
  const el = $('mic-message');
  el.textContent = text;
  el.hidden = !text;
  el.classList.toggle('error', isError);
}

async function fetchOk(url, kind) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`cannot load ${url} (HTTP ${r.status})`);
  return kind === 'json' ? r.json() : kind === 'text' ? r.text() : new Uint8Array(await r.arrayBuffer());
}

// ---- loading -------------------------------------------------------------------------

async function createOrtSession(bytes) {
  ort.env.wasm.wasmPaths = new URL('./vendor/ort/', import.meta.url).href;
  ort.env.wasm.numThreads = 1; // a plain static server gives no cross-origin isolation
  ort.env.logLevel = 'error';
  let wantGpu = config.ep === 'webgpu';
  if (config.ep === 'auto' && navigator.gpu) {
    try {
      wantGpu = !!(await navigator.gpu.requestAdapter());
    } catch {
      wantGpu = false;
    }
  }
  if (wantGpu) {
    try {
      return { session: await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] }), ep: 'webgpu' };
    } catch (e) {
      if (config.ep === 'webgpu') throw e;
      console.warn(`WebGPU unavailable for ONNX Runtime Web, using wasm: ${e.message}`);
    }
  }
  return { session: await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] }), ep: 'wasm' };
}

async function load() {
  const base = new URL(config.model, location.href);
  const [inh, onnxBytes, onnxMeta, weights, nativeMeta] = await Promise.all([
    loadInherent(),
    fetchOk(new URL('onnx/model.onnx', base), 'bytes'),
    fetchOk(new URL('onnx/inherent.metadata.json', base), 'json'),
    fetchOk(new URL('native/model.safetensors', base), 'bytes'),
    fetchOk(new URL('native/inherent.metadata.json', base), 'text'),
  ]);
  const model = inh.loadModel(weights, nativeMeta);
  const { session, ep } = await createOrtSession(onnxBytes);
  const contract = onnxMeta.runtime_tensor_contract || {};
  const inputName = pickName(contract.inputs, session.inputNames, 'mel_spectrogram');
  const outputName = pickName(contract.outputs, session.outputNames, 'intent_output');
  const thresholds = onnxMeta.threshold_keys.map((k) => onnxMeta.default_thresholds[k]);
  Object.assign(demo, { inh, model, session, ep, inputName, outputName, metadata: onnxMeta, thresholds });
  return demo;
}

// The tensor names inside the artifact, from the sidecar's runtime_tensor_contract when
// it names them, else the session's own single input/output.
function pickName(entries, names, fallback) {
  const first = Array.isArray(entries) ? entries[0] : entries && Object.values(entries)[0];
  const n = first && (first.name || first.tensor_name);
  if (n && names.includes(n)) return n;
  return names.includes(fallback) ? fallback : names[0];
}

// ---- scoring -------------------------------------------------------------------------

function keep(list, v) {
  list.push(v);
  if (list.length > MAX_KEPT) list.shift();
}

// Scores log-mels [nFrames, 128] with both runtimes: { ort, engine, ms }.
async function scoreMel(mel, nFrames) {
  const data = mel instanceof Float32Array ? mel : Float32Array.from(mel);
  let t0 = performance.now();
  const feeds = { [demo.inputName]: new ort.Tensor('float32', data, [1, nFrames, N_MELS]) };
  const out = await demo.session.run(feeds);
  const ortScores = Float32Array.from(out[demo.outputName].data);
  const ortMs = performance.now() - t0;
  t0 = performance.now();
  const engineScores = demo.model.scoreMel(data, nFrames);
  const engineMs = performance.now() - t0;
  return { ort: Array.from(ortScores), engine: Array.from(engineScores), ms: { ort: ortMs, engine: engineMs } };
}

// Scores 16 kHz samples: frontend in wasm, then both runtimes.
async function scoreSamples(samples) {
  const t0 = performance.now();
  const { data, nFrames } = demo.inh.melCompute(samples);
  const melMs = performance.now() - t0;
  const r = await scoreMel(data, nFrames);
  r.ms.frontend = melMs;
  r.nFrames = nFrames;
  return r;
}

// Decision rule of the metadata: head i fires at score >= threshold; intents need the gate.
function fired(scores) {
  const on = scores.map((s, i) => s >= demo.thresholds[i]);
  return demo.metadata.head_order.filter((_, i) => on[i] && (i === 0 || on[0]));
}

// ---- the heads table -----------------------------------------------------------------

const rows = [];
function buildTable() {
  const body = document.querySelector('#heads tbody');
  demo.metadata.head_order.forEach((name, i) => {
    const tr = document.createElement('tr');
    tr.dataset.head = name;
    tr.innerHTML = `<td>${name}</td><td>${demo.thresholds[i].toFixed(2)}</td>` +
      `<td class="score ort"><span class="lamp"></span><span class="bar"></span><span class="v">-</span></td>` +
      `<td class="score engine"><span class="lamp"></span><span class="bar"></span><span class="v">-</span></td>`;
    body.appendChild(tr);
    rows.push(tr);
  });
}

function render(result) {
  const fo = new Set(fired(result.ort));
  const fe = new Set(fired(result.engine));
  demo.metadata.head_order.forEach((name, i) => {
    const tr = rows[i];
    for (const rt of ['ort', 'engine']) {
      const s = result[rt][i];
      const td = tr.querySelector(`td.${rt}`);
      td.querySelector('.bar').style.width = `${Math.round(s * 6)}rem`;
      td.querySelector('.v').textContent = s.toFixed(4);
    }
    tr.classList.toggle('fired-ort', fo.has(name));
    tr.classList.toggle('fired-engine', fe.has(name));
  });
  for (const [rt, ms] of Object.entries(result.ms)) {
    keep(latencies[rt], ms);
    const tr = document.querySelector(`#latency tr[data-runtime="${rt}"]`);
    tr.children[1].textContent = ms.toFixed(2);
    tr.children[2].textContent = median(latencies[rt]).toFixed(2);
    tr.children[3].textContent = latencies[rt].length;
  }
  return { ort: [...fo], engine: [...fe] };
}

function median(list) {
  if (!list.length) return NaN;
  const s = [...list].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
demo.latencyStats = () =>
  Object.fromEntries(
    Object.entries(latencies).map(([k, v]) => [k, { runs: v.length, median_ms: median(v), mean_ms: v.reduce((a, b) => a + b, 0) / (v.length || 1), min_ms: Math.min(...v), max_ms: Math.max(...v) }]),
  );

// ---- microphone ----------------------------------------------------------------------

let capture = null;

async function startMic() {
  showMicMessage('');
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showMicMessage('This browser gives no microphone access here (pages need https or localhost).');
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch (e) {
    if (e.name === 'NotAllowedError' || e.name === 'SecurityError')
      showMicMessage('Microphone access was denied. Allow it in the browser (site settings) and press Start again; dropping a WAV file still works.');
    else if (e.name === 'NotFoundError' || e.name === 'OverconstrainedError')
      showMicMessage('No microphone was found. Plug one in and press Start again, or drop a WAV file.');
    else if (e.name === 'NotReadableError')
      showMicMessage('The microphone is busy or unreadable (another application may hold it).');
    else showMicMessage(`The microphone could not be opened: ${e.name}: ${e.message}`);
    demo.micError = e.name;
    return;
  }
  // A 16 kHz context: the browser hands us 16 kHz samples (the WebAssembly build has no
  // resampler of its own; libsoxr is a host-only dependency).
  let ctx, source, node;
  try {
    ctx = new AudioContext({ sampleRate: SAMPLE_RATE });
    await ctx.audioWorklet.addModule(new URL('./capture-worklet.js', import.meta.url));
    source = ctx.createMediaStreamSource(stream);
    node = new AudioWorkletNode(ctx, 'inherent-capture');
  } catch (e) {
    // Some browsers cannot connect a microphone to a context at another rate.
    stream.getTracks().forEach((t) => t.stop());
    if (ctx) ctx.close();
    showMicMessage(`This browser cannot deliver the microphone at 16 kHz (${e.name}: ${e.message}); dropping a WAV file still works.`);
    demo.micError = e.name;
    return;
  }
  const windowSamples = Math.round((config.windowMs * SAMPLE_RATE) / 1000);
  const ring = new Float32Array(windowSamples);
  let filled = 0;
  let fresh = 0; // samples since the last inference
  node.port.onmessage = (ev) => {
    const chunk = ev.data;
    if (chunk.length >= ring.length) ring.set(chunk.subarray(chunk.length - ring.length));
    else {
      ring.copyWithin(0, chunk.length);
      ring.set(chunk, ring.length - chunk.length);
    }
    filled = Math.min(ring.length, filled + chunk.length);
    fresh += chunk.length;
    let sum = 0;
    for (let i = 0; i < chunk.length; i++) sum += chunk[i] * chunk[i];
    updateLevel(Math.sqrt(sum / chunk.length));
  };
  source.connect(node);
  // Keep the graph pulled without making noise.
  const mute = ctx.createGain();
  mute.gain.value = 0;
  node.connect(mute).connect(ctx.destination);
  let busy = false;
  const timer = setInterval(async () => {
    if (busy || fresh === 0 || filled < SAMPLE_RATE / 10) return;
    busy = true;
    fresh = 0;
    try {
      const samples = ring.slice(ring.length - filled);
      const r = await scoreSamples(samples);
      demo.inferences++;
      demo.lastWindow = { seconds: samples.length / SAMPLE_RATE, ...r, fired: render(r) };
    } catch (e) {
      console.error(e);
      setStatus(`Scoring failed: ${e.message}`, 'error');
    } finally {
      busy = false;
    }
  }, config.hopMs);
  capture = { ctx, stream, timer, node };
  $('mic').textContent = 'Stop microphone';
  setStatus(`Listening: a ${config.windowMs} ms window every ${config.hopMs} ms.`);
}

async function stopMic() {
  clearInterval(capture.timer);
  capture.node.port.onmessage = null; // chunks still queued must not move the meter
  capture.stream.getTracks().forEach((t) => t.stop());
  await capture.ctx.close();
  capture = null;
  $('mic').textContent = 'Start microphone';
  updateLevel(0);
  setStatus('Microphone stopped.');
}

function updateLevel(rms) {
  const db = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
  demo.level = db;
  const pct = Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
  $('level-bar').style.width = `${pct}%`;
  $('level-text').textContent = Number.isFinite(db) ? `${db.toFixed(1)} dBFS` : '\u2212\u221e dBFS';
}

// ---- files ---------------------------------------------------------------------------

// Decodes an audio file to 16 kHz mono. The browser's decoder reads the container and,
// for other rates, resamples; the mel and both models are ours / ONNX Runtime's.
async function decodeTo16k(bytes) {
  const ctx = new OfflineAudioContext(1, 1, SAMPLE_RATE);
  const buf = await ctx.decodeAudioData(bytes);
  const n = buf.length;
  const out = new Float32Array(n);
  for (let c = 0; c < buf.numberOfChannels; c++) {
    const ch = buf.getChannelData(c);
    for (let i = 0; i < n; i++) out[i] += ch[i] / buf.numberOfChannels;
  }
  return out;
}

async function scoreFile(file) {
  const el = $('file-result');
  el.textContent = `Scoring ${file.name}\u2026`;
  try {
    const samples = await decodeTo16k(await file.arrayBuffer());
    const r = await scoreSamples(samples);
    const f = render(r);
    demo.lastFile = { name: file.name, seconds: samples.length / SAMPLE_RATE, ...r, fired: f };
    el.textContent = `${file.name} (${(samples.length / SAMPLE_RATE).toFixed(2)} s): ` +
      (f.ort.length ? `fires ${f.ort.join(', ')}` : 'nothing fires') +
      ` - ONNX Runtime ${r.ms.ort.toFixed(2)} ms, inherent ${r.ms.engine.toFixed(2)} ms`;
  } catch (e) {
    demo.lastFile = { name: file.name, error: String(e.message || e) };
    el.textContent = `Could not score ${file.name}: ${e.message || e}`;
  }
  return demo.lastFile;
}

function wireDrop() {
  const zone = $('drop');
  for (const t of ['dragenter', 'dragover']) zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) demo.filePromise = scoreFile(file);
  });
  // Dropped outside the zone: do not let the browser navigate away to the file.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  $('file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) demo.filePromise = scoreFile(file);
  });
}

// Time per inference of each stage on `seconds` of deterministic audio, about `runs`
// times each, timed in blocks (the page's clock is coarse without cross-origin
// isolation). The window is the same for every runtime.
demo.benchmark = async (seconds = config.windowMs / 1000, runs = 100) => {
  const n = Math.round(seconds * SAMPLE_RATE);
  const samples = new Float32Array(n);
  // Harmonics under a syllable-rate envelope plus a little noise: broadband like speech.
  // (A pure tone leaves most mel bins at the log floor, which is not what speech costs.)
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const t = i / SAMPLE_RATE;
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * 150 * h * t) / h;
    samples[i] = 0.2 * (0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t)) * v + 0.01 * (seed / 2 ** 31 - 1);
  }
  const { data, nFrames } = demo.inh.melCompute(samples);
  const tensor = () => ({ [demo.inputName]: new ort.Tensor('float32', data, [1, nFrames, N_MELS]) });
  for (let i = 0; i < 5; i++) {
    await demo.session.run(tensor());
    demo.model.scoreMel(data, nFrames);
  }
  // Blocks of 20 runs, the stages interleaved so that they share the machine's noise;
  // the median block mean per stage.
  const block = 20;
  const times = { frontend: [], ort: [], engine: [] };
  for (let b = 0; b < Math.max(1, Math.round(runs / block)); b++) {
    let t0 = performance.now();
    for (let i = 0; i < block; i++) demo.inh.melCompute(samples);
    times.frontend.push((performance.now() - t0) / block);
    t0 = performance.now();
    for (let i = 0; i < block; i++) await demo.session.run(tensor());
    times.ort.push((performance.now() - t0) / block);
    t0 = performance.now();
    for (let i = 0; i < block; i++) demo.model.scoreMel(data, nFrames);
    times.engine.push((performance.now() - t0) / block);
  }
  const { frontend, ort: ortMs, engine } = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  return { window_s: seconds, frames: nFrames, runs, ort_ep: demo.ep, engine_kernels: demo.model.kernels,
    ms_per_inference: { frontend, ort: ortMs, engine } };
};

// ---- model choice --------------------------------------------------------------------

// The models of models.json in a picker; choosing one reloads the page with ?model=.
async function offerModels() {
  let models;
  try {
    models = await fetchOk('models.json', 'json');
  } catch {
    return; // a demo folder without the list: the one model of ?model=
  }
  demo.models = models;
  if (!Array.isArray(models) || models.length < 2) return;
  const pick = $('model-pick');
  for (const m of models) {
    const o = document.createElement('option');
    o.value = m.path;
    o.textContent = `${m.name}: ${m.model_name} ${m.model_version} (${m.family}, ${(m.n_params / 1e6).toFixed(2)}M parameters)`;
    o.selected = withSlash(m.path) === config.model;
    pick.appendChild(o);
  }
  pick.addEventListener('change', () => {
    const q = new URLSearchParams(location.search);
    q.set('model', pick.value);
    location.search = q.toString();
  });
  $('model-choice').hidden = false;
}

// ---- start ---------------------------------------------------------------------------

demo.scoreMel = scoreMel;
demo.scoreSamples = scoreSamples;
demo.scoreFile = scoreFile;
demo.fired = fired;

demo.ready = Promise.all([load(), offerModels()]).then(
  () => {
    buildTable();
    wireDrop();
    const mic = $('mic');
    mic.disabled = false;
    mic.addEventListener('click', () => (capture ? stopMic() : startMic()));
    const m = demo.metadata;
    $('ort-label').textContent = `ONNX Runtime Web (${demo.ep})`;
    $('about').textContent = `Model ${m.model_name} ${m.model_version} (${m.n_params} parameters), ` +
      `thresholds: ${m.threshold_calibration ? m.threshold_calibration.method : 'metadata'}; ` +
      `inherent ${demo.inh.version}, kernels ${demo.model.kernels}; ONNX Runtime Web ${ort.env.versions ? ort.env.versions.web || '' : ''}.`;
    setStatus(`Ready. Start the microphone or drop a WAV file (window ${config.windowMs} ms, every ${config.hopMs} ms).`, 'ready');
    return true;
  },
  (e) => {
    console.error(e);
    setStatus(`The model could not be loaded from ${config.model}: ${e.message || e}`, 'error');
    return false;
  },
);
