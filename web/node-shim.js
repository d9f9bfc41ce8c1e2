// SPDX-License-Identifier: Apache-2.0
// Prepended to inherent-wasm.mjs (--extern-pre-js). Emscripten 3.1.6's node code path
// reads CommonJS's __dirname even when it emits an ES module, where that name does not
// exist. With SINGLE_FILE it only names the folder of side files, and this module has
// none, so any folder will do; the module's own URL is the honest one.
var __dirname = new URL('.', import.meta.url).pathname;
