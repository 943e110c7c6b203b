'use strict';
// Writes reference.onnx: CnnNative's reference network (see reference-network.js) as an opset-13 ONNX
// model with a symbolic batch dimension "N" and seeded weights, encoded by onnx-encoder.js.
// Usage: node make-model.js [output path]   (default: reference.onnx beside this script)
const fs = require('node:fs');
const path = require('node:path');
const { modelProto } = require('./onnx-encoder');
const { makeWeights, makeGraph, SEED } = require('./reference-network');

function main() {
  const output = path.resolve(process.argv[2] ?? path.join(__dirname, 'reference.onnx'));
  const bytes = modelProto({ graph: makeGraph(makeWeights(SEED)) });
  // Write beside the target and rename, so an interrupted run never leaves a truncated model behind.
  const temporary = `${output}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, bytes);
  fs.renameSync(temporary, output);
  console.log(`make-model: wrote ${output} (${(bytes.length / 1e6).toFixed(1)} MB, weight seed ${SEED})`);
}

main();
