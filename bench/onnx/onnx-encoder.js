'use strict';
// A minimal ONNX ModelProto writer: just the protobuf wire format (varints and length-delimited fields)
// and the handful of onnx.proto messages a feed-forward float32 graph needs. No npm ONNX builder is
// available offline, and the subset is small enough to read in one sitting.
// Field numbers are those of onnx/onnx.proto; each message below lists the ones it uses.

// Protobuf wire types.
const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

// onnx.proto enums.
const DataType = Object.freeze({ FLOAT: 1 });
const AttributeType = Object.freeze({ INT: 2, INTS: 7 });

/** Unsigned LEB128 of a non-negative safe integer (protobuf varint). */
function varint(value) {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`varint needs a non-negative safe integer; got ${value}`);
  }
  const bytes = [];
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

const key = (field, wireType) => varint(field * 8 + wireType);

/** A varint field (int32/int64/enum; values here are never negative). */
function fieldVarint(field, value) {
  return Buffer.concat([key(field, WIRE_VARINT), varint(value)]);
}

/** A length-delimited field: bytes, string or an embedded message. */
function fieldBytes(field, bytes) {
  return Buffer.concat([key(field, WIRE_BYTES), varint(bytes.length), bytes]);
}

const fieldString = (field, text) => fieldBytes(field, Buffer.from(text, 'utf8'));

/** A packed repeated varint field (e.g. TensorProto.dims, AttributeProto.ints). */
function fieldPackedVarints(field, values) {
  return fieldBytes(field, Buffer.concat(values.map(varint)));
}

const message = (...fields) => Buffer.concat(fields.flat());

// TensorProto: dims = 1 (packed int64), data_type = 2, name = 8, raw_data = 9 (little-endian values).
function tensorProto(name, dims, data) {
  if (!(data instanceof Float32Array)) throw new TypeError(`tensor ${name}: data must be a Float32Array`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new RangeError(`tensor ${name}: dims [${dims}] hold ${count} values but data has ${data.length}`);
  }
  const raw = Buffer.alloc(data.length * 4);
  data.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  return message(fieldPackedVarints(1, dims), fieldVarint(2, DataType.FLOAT), fieldString(8, name), fieldBytes(9, raw));
}

// AttributeProto: name = 1, i = 3, ints = 8, type = 20.
// Only INT and INTS are needed by this graph; a value's JS type picks the kind.
function attributeProto(name, value) {
  if (Array.isArray(value)) {
    return message(fieldString(1, name), fieldPackedVarints(8, value), fieldVarint(20, AttributeType.INTS));
  }
  if (Number.isInteger(value)) {
    return message(fieldString(1, name), fieldVarint(3, value), fieldVarint(20, AttributeType.INT));
  }
  throw new TypeError(`attribute ${name}: only non-negative integers and integer lists are supported; got ${value}`);
}

// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
function nodeProto({ op, name, inputs, outputs, attributes = {} }) {
  return message(
    inputs.map((s) => fieldString(1, s)),
    outputs.map((s) => fieldString(2, s)),
    fieldString(3, name),
    fieldString(4, op),
    Object.entries(attributes).map(([k, v]) => fieldBytes(5, attributeProto(k, v))));
}

// ValueInfoProto: name = 1, type = 2. TypeProto: tensor_type = 1. TypeProto.Tensor: elem_type = 1, shape = 2.
// TensorShapeProto: dim = 1. Dimension: dim_value = 1, dim_param = 2 (a string is a symbolic dimension).
function valueInfoProto(name, shape) {
  const dims = shape.map((d) => fieldBytes(1, typeof d === 'string' ? fieldString(2, d) : fieldVarint(1, d)));
  const tensorType = message(fieldVarint(1, DataType.FLOAT), fieldBytes(2, message(dims)));
  return message(fieldString(1, name), fieldBytes(2, fieldBytes(1, tensorType)));
}

// GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
function graphProto({ name, nodes, initializers, inputs, outputs }) {
  return message(
    nodes.map((n) => fieldBytes(1, nodeProto(n))),
    fieldString(2, name),
    initializers.map((t) => fieldBytes(5, tensorProto(t.name, t.dims, t.data))),
    inputs.map((v) => fieldBytes(11, valueInfoProto(v.name, v.shape))),
    outputs.map((v) => fieldBytes(12, valueInfoProto(v.name, v.shape))));
}

// ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8.
// OperatorSetIdProto: domain = 1, version = 2 (the default "" domain is left out).
// IR version 7 is the one that came with opset 13.
function modelProto({ graph, opset = 13, irVersion = 7, producer = 'cnnnative-bench-onnx', producerVersion = '1' }) {
  return message(
    fieldVarint(1, irVersion),
    fieldString(2, producer),
    fieldString(3, producerVersion),
    fieldBytes(7, graphProto(graph)),
    fieldBytes(8, fieldVarint(2, opset)));
}

module.exports = { modelProto };
