'use strict';
// CnnNative's "reference" network (src/CnnNative.Cli/ReferenceNetwork.cs) for the ONNX Runtime peer:
// its layers, seeded weights, the ONNX graph and a plain-loop forward pass used as the oracle.
// conv 5x5 1→32 pad 2, ReLU, max pool 2, conv 5x5 32→64 pad 2, ReLU, max pool 2, flatten (3136),
// dense 3136→1024, ReLU, [dropout: identity at inference, left out], dense 1024→10 → logits.
// Like `cnn bench` (Sequential.Predict), the output is the logits: the network has no softmax layer.
// Layout NCHW float32, conv weights OIHW, dense weights [out, in] (so Gemm uses transB = 1).

const INPUT_SHAPE = [1, 28, 28];
const CLASSES = 10;
const SEED = 42;

/** xorshift32: a tiny deterministic generator; the weights only need to be finite and repeatable. */
function makeRandom(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;  // [0, 1)
  };
}

function uniform(random, count, limit) {
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = (2 * random() - 1) * limit;
  return data;
}

/**
 * The network's parameters, He-uniform weights (limit sqrt(6 / fan_in)) and small non-zero biases,
 * so a wrong bias or layout shows up in the comparison with the oracle.
 */
function makeWeights(seed = SEED) {
  const random = makeRandom(seed);
  const param = (name, dims, fanIn) => ({
    name,
    dims,
    data: uniform(random, dims.reduce((a, b) => a * b, 1), Math.sqrt(6 / fanIn)),
  });
  const bias = (name, count) => ({ name, dims: [count], data: uniform(random, count, 0.1) });
  return {
    conv1W: param('conv1.weight', [32, 1, 5, 5], 1 * 5 * 5),
    conv1B: bias('conv1.bias', 32),
    conv2W: param('conv2.weight', [64, 32, 5, 5], 32 * 5 * 5),
    conv2B: bias('conv2.bias', 64),
    dense1W: param('dense1.weight', [1024, 3136], 3136),
    dense1B: bias('dense1.bias', 1024),
    dense2W: param('dense2.weight', [CLASSES, 1024], 1024),
    dense2B: bias('dense2.bias', CLASSES),
  };
}

/** The ONNX graph (opset 13) with a symbolic batch dimension "N", for onnx-encoder's modelProto. */
function makeGraph(weights) {
  const conv = { kernel_shape: [5, 5], pads: [2, 2, 2, 2], strides: [1, 1] };
  const pool = { kernel_shape: [2, 2], strides: [2, 2] };
  const w = weights;
  return {
    name: 'cnnnative_reference',
    inputs: [{ name: 'input', shape: ['N', ...INPUT_SHAPE] }],
    outputs: [{ name: 'logits', shape: ['N', CLASSES] }],
    initializers: Object.values(weights),
    nodes: [
      { op: 'Conv', name: 'conv1', inputs: ['input', w.conv1W.name, w.conv1B.name], outputs: ['c1'], attributes: conv },
      { op: 'Relu', name: 'relu1', inputs: ['c1'], outputs: ['r1'] },
      { op: 'MaxPool', name: 'pool1', inputs: ['r1'], outputs: ['p1'], attributes: pool },
      { op: 'Conv', name: 'conv2', inputs: ['p1', w.conv2W.name, w.conv2B.name], outputs: ['c2'], attributes: conv },
      { op: 'Relu', name: 'relu2', inputs: ['c2'], outputs: ['r2'] },
      { op: 'MaxPool', name: 'pool2', inputs: ['r2'], outputs: ['p2'], attributes: pool },
      { op: 'Flatten', name: 'flatten', inputs: ['p2'], outputs: ['f'], attributes: { axis: 1 } },
      { op: 'Gemm', name: 'dense1', inputs: ['f', w.dense1W.name, w.dense1B.name], outputs: ['d1'], attributes: { transB: 1 } },
      { op: 'Relu', name: 'relu3', inputs: ['d1'], outputs: ['r3'] },
      { op: 'Gemm', name: 'dense2', inputs: ['r3', w.dense2W.name, w.dense2B.name], outputs: ['logits'], attributes: { transB: 1 } },
    ],
  };
}

// ---- oracle: plain loops, double accumulation, no blocking --------------------------------------------

/** Same-size convolution (stride 1, square kernel k, zero padding (k - 1) / 2) of [n, c, h, w]. */
function conv2dSame(x, n, c, h, w, weight, bias, oc, k) {
  const pad = (k - 1) / 2;
  const y = new Float64Array(n * oc * h * w);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < oc; o++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          let sum = bias[o];
          for (let ci = 0; ci < c; ci++) {
            for (let u = 0; u < k; u++) {
              const row = i + u - pad;
              if (row < 0 || row >= h) continue;
              for (let v = 0; v < k; v++) {
                const col = j + v - pad;
                if (col < 0 || col >= w) continue;
                sum += x[((b * c + ci) * h + row) * w + col] * weight[((o * c + ci) * k + u) * k + v];
              }
            }
          }
          y[((b * oc + o) * h + i) * w + j] = sum;
        }
      }
    }
  }
  return y;
}

function reluInPlace(x) {
  for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
  return x;
}

/** 2x2 max pool, stride 2, of [n, c, h, w] (h and w even). */
function maxPool2(x, n, c, h, w) {
  const oh = h / 2;
  const ow = w / 2;
  const y = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const at = (r, s) => x[(p * h + 2 * i + r) * w + 2 * j + s];
        y[(p * oh + i) * ow + j] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
      }
    }
  }
  return y;
}

/** y[n, out] = x[n, in] * weight[out, in]^T + bias. */
function dense(x, n, inFeatures, weight, bias, outFeatures) {
  const y = new Float64Array(n * outFeatures);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < outFeatures; o++) {
      let sum = bias[o];
      for (let i = 0; i < inFeatures; i++) sum += x[b * inFeatures + i] * weight[o * inFeatures + i];
      y[b * outFeatures + o] = sum;
    }
  }
  return y;
}

/** The network's logits [n, 10] for input [n, 1, 28, 28], by the loops above. */
function forwardReference(weights, input, n) {
  const w = weights;
  let x = reluInPlace(conv2dSame(input, n, 1, 28, 28, w.conv1W.data, w.conv1B.data, 32, 5));
  x = maxPool2(x, n, 32, 28, 28);
  x = reluInPlace(conv2dSame(x, n, 32, 14, 14, w.conv2W.data, w.conv2B.data, 64, 5));
  x = maxPool2(x, n, 64, 14, 14);  // [n, 64, 7, 7], already flat in NCHW order
  x = reluInPlace(dense(x, n, 3136, w.dense1W.data, w.dense1B.data, 1024));
  return dense(x, n, 1024, w.dense2W.data, w.dense2B.data, CLASSES);
}

module.exports = { INPUT_SHAPE, CLASSES, SEED, makeRandom, makeWeights, makeGraph, forwardReference };
