'use strict';
// Proves reference.onnx is the reference network: runs it in ONNX Runtime (CPU) at batch 1 and 2 (the
// symbolic batch dimension) and compares the logits with reference-network.js's plain-loop forward pass,
// |ort - ref| <= 1e-4 * (1 + |ref|) elementwise. Exits 1 with the worst element on failure.
// Usage: node check-model.js [model path]   (default: reference.onnx beside this script)
const path = require('node:path');
const ort = require('onnxruntime-node');
const { INPUT_SHAPE, CLASSES, makeRandom, makeWeights, forwardReference } = require('./reference-network');

const TOLERANCE = 1e-4;
const INPUT_SEED = 7;

async function main() {
  const modelPath = path.resolve(process.argv[2] ?? path.join(__dirname, 'reference.onnx'));
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',  // check the optimised graph that bench.js times, fusions included
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const weights = makeWeights();
  const random = makeRandom(INPUT_SEED);
  const imageSize = INPUT_SHAPE.reduce((a, b) => a * b, 1);
  let failed = false;
  for (const batch of [1, 2]) {
    const input = new Float32Array(batch * imageSize).map(() => random());
    const feeds = { input: new ort.Tensor('float32', input, [batch, ...INPUT_SHAPE]) };
    const logits = (await session.run(feeds)).logits;
    if (logits.dims.join() !== [batch, CLASSES].join()) {
      throw new Error(`check-model: batch ${batch}: ONNX Runtime gave logits [${logits.dims}]; expected [${batch}, ${CLASSES}]`);
    }
    const expected = forwardReference(weights, input, batch);
    let worst = { excess: -Infinity };
    logits.data.forEach((got, i) => {
      const excess = Math.abs(got - expected[i]) - TOLERANCE * (1 + Math.abs(expected[i]));
      if (!(excess <= worst.excess)) worst = { excess, i, got, want: expected[i] };
    });
    const ok = worst.excess <= 0;
    failed ||= !ok;
    console.log(`check-model: batch ${batch}: ${ok ? 'ok' : 'MISMATCH'}, worst element ${worst.i}: ` +
      `onnxruntime ${worst.got.toPrecision(7)}, reference ${worst.want.toPrecision(7)} (tolerance 1e-4 * (1 + |ref|))`);
  }
  if (failed) {
    console.error(`check-model: ${modelPath} does not compute the reference network`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(`check-model: ${error.message}`);
  process.exit(1);
});
