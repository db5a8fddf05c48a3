// The body of each pthread worker of tfjs-backend-wasm's threaded build under Node (see
// startThreadedWasm in backend.ts): Emscripten's own worker script, which the package ships as a
// string for a Blob URL, run here as the CommonJS module it is written as. The main script it
// loads comes from the package's file rather than from a Blob.
'use strict';
const {
  wasmWorkerContents,
} = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
const main = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');

URL.createObjectURL = () => main;
URL.revokeObjectURL = () => {};
// The package escapes newlines the same way before it makes its Blob.
new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n'))(require, main);
