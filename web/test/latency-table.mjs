// SPDX-License-Identifier: Apache-2.0
// Prints the browser latencies the demo test wrote (latency.json) as a markdown table.
//   node web/test/latency-table.mjs build/wasm/web/demo-test/latency.json
import { readFileSync } from 'node:fs';

const r = JSON.parse(readFileSync(process.argv[2] || 'build/wasm/web/demo-test/latency.json', 'utf8'));
const b = r.benchmark;
if (!b) {
  console.error('no benchmark in this file (the demo test did not get that far)');
  process.exit(1);
}
const label = { frontend: 'log-mel, inherent frontend (wasm)', ort: `ONNX Runtime Web (${b.ort_ep})`, engine: `inherent engine (wasm, ${b.engine_kernels} kernels)` };
console.log(`Model ${r.model.model} (${r.model.params} parameters), ${b.window_s} s window (${b.frames} frames), ${r.browser}, one thread each\n`);
console.log('| stage | ms per inference |\n|---|---|');
for (const [k, v] of Object.entries(b.ms_per_inference)) console.log(`| ${label[k] || k} | ${v.toFixed(3)} |`);
