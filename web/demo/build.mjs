// SPDX-License-Identifier: Apache-2.0
//
// Assembles the browser demo into one static folder that any plain file server can
// serve offline: the page, our WebAssembly module + its JS API, ONNX Runtime Web's files
// from web/node_modules, and a model (ONNX export + native package, each with its
// inherent.metadata.json).
//
//   node web/demo/build.mjs --wasm-dir build/wasm/web --out build/wasm/web/demo \
//        [--model DIR] [--also NAME=DIR ...] [--cli build/dev/tools/inherent/inherent]
//
// Model: --model DIR (holding onnx/ and native/), else data/models/small/ when it has both,
// else the test package data/fixtures/tiny-random exported with `inherent export`
// (--cli, default build/dev/tools/inherent/inherent). Each --also NAME=DIR (onnx/ and
// native/ too, e.g. the backbone model's export) goes to models/NAME/; models.json lists
// every model, and the page lets the user pick one.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, '..');
const root = resolve(web, '..');

const args = { also: [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i];
  if (!k.startsWith('--') || i + 1 >= process.argv.length) fail(`usage: build.mjs --wasm-dir DIR --out DIR [--model DIR] [--also NAME=DIR ...] [--cli PATH]`);
  if (k === '--also') args.also.push(process.argv[i + 1]);
  else args[k.slice(2)] = process.argv[i + 1];
}
function fail(msg) {
  console.error(`demo build: ${msg}`);
  process.exit(1);
}

const wasmDir = resolve(args['wasm-dir'] || join(root, 'build/wasm/web'));
const out = resolve(args.out || join(wasmDir, 'demo'));
const cli = resolve(args.cli || join(root, 'build/dev/tools/inherent/inherent'));
const ortDist = join(web, 'node_modules/onnxruntime-web/dist');

if (!existsSync(join(wasmDir, 'inherent-wasm.mjs'))) fail(`no inherent-wasm.mjs in ${wasmDir}: build the wasm preset first`);
if (!existsSync(ortDist)) fail(`no ${ortDist}: run scripts/bootstrap.sh npm (or npm ci in web/)`);

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'lib'), { recursive: true });
mkdirSync(join(out, 'vendor/ort'), { recursive: true });

for (const f of ['index.html', 'app.mjs', 'style.css', 'capture-worklet.js']) cpSync(join(here, f), join(out, f));
cpSync(join(wasmDir, 'inherent-wasm.mjs'), join(out, 'lib/inherent-wasm.mjs'));
cpSync(join(web, 'inherent.mjs'), join(out, 'lib/inherent.mjs'));

// ONNX Runtime Web: the all-backends bundle (wasm + WebGPU) and the wasm binaries it
// loads at run time.
for (const f of readdirSync(ortDist)) {
  if (f === 'ort.all.min.mjs' || /^ort-wasm-simd-threaded.*\.(mjs|wasm)$/.test(f)) cpSync(join(ortDist, f), join(out, 'vendor/ort', f));
}
for (const f of ['LICENSE', 'README.md']) if (existsSync(join(web, 'node_modules/onnxruntime-web', f))) cpSync(join(web, 'node_modules/onnxruntime-web', f), join(out, 'vendor/ort', f));

const hasModel = (d) =>
  ['onnx/model.onnx', 'onnx/inherent.metadata.json', 'native/model.safetensors', 'native/inherent.metadata.json'].every((f) => existsSync(join(d, f)));
const modelOut = join(out, 'model');
let source;
if (args.model) {
  if (!hasModel(resolve(args.model))) fail(`${args.model} lacks onnx/ or native/ (model + inherent.metadata.json)`);
  source = resolve(args.model);
} else if (hasModel(join(root, 'data/models/small'))) {
  source = join(root, 'data/models/small');
}
if (source) {
  copyModel(source, modelOut);
} else {
  if (!existsSync(cli)) {
    // The page still builds; it says it found no model. Build the native CLI (dev preset)
    // or pass --model to give it one.
    console.warn(`demo build: no trained model in data/models/small/ and no native CLI at ${cli} to export the test package: the demo has no model`);
    process.exit(0);
  }
  source = join(root, 'data/fixtures/tiny-random');
  execFileSync(cli, ['export', '--weights', join(source, 'model.safetensors'), '--config', 'tiny', '--backend', 'onnx', '--backend', 'native',
    '--frames', 'dynamic', '-o', modelOut, '-q'], { stdio: 'inherit' });
}
const shown = (d) => (d.startsWith(root) ? d.slice(root.length + 1) : d);
writeFileSync(join(modelOut, 'source.json'), JSON.stringify({ source: shown(source) }, null, 2) + '\n');
const models = [describe('default', 'model/', modelOut, source)];
for (const spec of args.also) {
  const [name, dir] = [spec.slice(0, spec.indexOf('=')), resolve(spec.slice(spec.indexOf('=') + 1))];
  if (!/^[A-Za-z0-9._-]+$/.test(name) || spec.indexOf('=') < 1) fail(`--also ${spec}: want NAME=DIR, NAME of letters, digits, . _ -`);
  if (!hasModel(dir)) fail(`--also ${spec}: ${dir} lacks onnx/ or native/ (model + inherent.metadata.json)`);
  copyModel(dir, join(out, 'models', name));
  models.push(describe(name, `models/${name}/`, join(out, 'models', name), dir));
}
writeFileSync(join(out, 'models.json'), JSON.stringify(models, null, 2) + '\n');
console.log(`demo: ${out} (models: ${models.map((m) => `${m.name} from ${m.source}`).join(', ')})`);

// onnx/ and native/ of a model folder: the artifacts and sidecars the page loads.
function copyModel(from, to) {
  for (const d of ['onnx', 'native']) {
    mkdirSync(join(to, d), { recursive: true });
    for (const f of ['model.onnx', 'model.safetensors', 'inherent.metadata.json'])
      if (existsSync(join(from, d, f))) cpSync(join(from, d, f), join(to, d, f));
  }
}

// A models.json entry: where the page finds the model and what it is.
function describe(name, path, folder, from) {
  const meta = JSON.parse(readFileSync(join(folder, 'native/inherent.metadata.json'), 'utf8'));
  return { name, path, model_name: meta.model_name, model_version: meta.model_version, family: meta.config?.family || 'conformer', n_params: meta.n_params, source: shown(from) };
}
