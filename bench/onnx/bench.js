'use strict';
// Inference throughput of reference.onnx in ONNX Runtime (CPU execution provider), one JSON line per
// (batch, threads) case, timed like `cnn bench`: after a warm-up, session.run is called until at least
// --seconds have passed (and at least 3 times); ms_per_batch = total time / iterations (the mean, as
// `cnn bench` reports), images_per_s = batch / that. The input tensor is made once; each call returns a
// new output tensor (ONNX Runtime allocates it), and Predict in `cnn bench` also copies its output out.
// Usage: node bench.js [--seconds 2] [--batch 1 64] [--threads 1 2] [--model reference.onnx]
const path = require('node:path');
const { parseArgs } = require('node:util');
const ort = require('onnxruntime-node');
const { INPUT_SHAPE, makeRandom } = require('./reference-network');

const WARMUP_CALLS = 3;  // the first call plans memory and packs weights; a few more settle caches
const MIN_CALLS = 3;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '2' },
      batch: { type: 'string', multiple: true },
      threads: { type: 'string', multiple: true },
      model: { type: 'string', default: path.join(__dirname, 'reference.onnx') },
    },
    allowPositionals: false,
  });
  const positiveInts = (name, list) => list.map((text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs integers >= 1; got '${text}'`);
    return n;
  });
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number; got '${values.seconds}'`);
  return {
    seconds,
    batches: positiveInts('batch', values.batch ?? ['1', '64']),
    threads: positiveInts('threads', values.threads ?? ['1', '2']),
    model: path.resolve(values.model),
  };
}

/** Mean seconds per session.run over at least minSeconds, after the warm-up. */
async function timeRuns(session, feeds, minSeconds) {
  for (let i = 0; i < WARMUP_CALLS; i++) await session.run(feeds);
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minSeconds || iterations < MIN_CALLS) {
    await session.run(feeds);
    iterations++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return { seconds: elapsed / iterations, iterations };
}

async function main() {
  const options = parseOptions();
  const imageSize = INPUT_SHAPE.reduce((a, b) => a * b, 1);
  for (const threads of options.threads) {
    // One session per thread count: intra-op threads are fixed when the session is created.
    const session = await ort.InferenceSession.create(options.model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    for (const batch of options.batches) {
      const random = makeRandom(1);
      const input = new Float32Array(batch * imageSize).map(() => random());
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [batch, ...INPUT_SHAPE]) };
      const { seconds, iterations } = await timeRuns(session, feeds, options.seconds);
      console.log(JSON.stringify({
        engine: 'onnxruntime',
        version: ort.env.versions.node,
        batch,
        threads,
        images_per_s: Number((batch / seconds).toFixed(1)),
        ms_per_batch: Number((seconds * 1e3).toFixed(4)),
        iterations,
      }));
    }
    await session.release();
  }
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
