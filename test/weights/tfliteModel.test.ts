// TFLite flatbuffer reader: tensors, quantization (per tensor and per channel), op graph, output patching.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import { readTfliteModel } from '../../src/weights/tflite/model.js';
import { withSubgraphOutputs } from '../../src/weights/tflite/patch.js';
import { constantTensorValues, dequantize } from '../../src/weights/tflite/quantization.js';
import { modelsDir, slow } from '../helpers.js';

const load = (file: string) => new Uint8Array(readFileSync(join(modelsDir, file)));

describe('dequantize', () => {
  test('per tensor', () => {
    const out = dequantize(
      Int8Array.from([-128, 0, 127]),
      { scale: [0.5], zeroPoint: [-128], quantizedDimension: 0, min: [], max: [] },
      [3],
    );
    assert.deepEqual(Array.from(out), [0, 64, 127.5]);
  });
  test('per channel along axis 0 and axis 1', () => {
    const q = { scale: [1, 10], zeroPoint: [0, 1], min: [], max: [] };
    // shape [2, 2]: rows are channels on axis 0, columns on axis 1
    assert.deepEqual(
      Array.from(dequantize([1, 2, 3, 4], { ...q, quantizedDimension: 0 }, [2, 2])),
      [1, 2, 20, 30],
    );
    assert.deepEqual(
      Array.from(dequantize([1, 2, 3, 4], { ...q, quantizedDimension: 1 }, [2, 2])),
      [1, 10, 3, 30],
    );
  });
});

describe('readTfliteModel', () => {
  test('rejects bytes that are not a TFLite file', () => {
    assert.throws(
      () => readTfliteModel(new Uint8Array(64), 'x.tflite'),
      (e: unknown) => e instanceof V2meowError && e.code === 'BAD_FORMAT' && e.file === 'x.tflite',
    );
  });

  test('YAMNet: embedding tensor 115, its quantization, frontend ops, I/O', slow, () => {
    const model = readTfliteModel(load('yamnet/yamnet.tflite'));
    const graph = model.subgraphs[0]!;
    const embedding = graph.tensors[115]!;
    assert.equal(embedding.name, 'tower0/network/layer28/reduce_mean');
    assert.equal(embedding.type, 'int8');
    assert.deepEqual(embedding.shape, [1, 1, 1, 1024]);
    assert.ok(Math.abs(embedding.quantization!.scale[0]! - 0.022328350692987442) < 1e-9);
    assert.deepEqual(embedding.quantization!.zeroPoint, [-128]);
    assert.deepEqual(graph.inputs, [0]);
    assert.deepEqual(graph.outputs, [120]);
    assert.equal(graph.tensors[0]!.name, 'waveform_binary');
    assert.deepEqual(graph.tensors[0]!.shape, [15600]);
    const ops = new Set(graph.operators.map((o) => o.opName));
    for (const op of ['RFFT2D', 'COMPLEX_ABS', 'LOG', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'LOGISTIC'])
      assert.ok(ops.has(op), op);
  });

  test('MoveNet int8: per-channel conv weights dequantize to finite values', slow, () => {
    const model = readTfliteModel(load('vision/movenet_singlepose_lightning_int8.tflite'));
    const graph = model.subgraphs[0]!;
    const conv = graph.operators.find((o) => o.opName === 'CONV_2D')!;
    const weights = graph.tensors[conv.inputs[1]!]!;
    const q = weights.quantization!;
    assert.equal(weights.type, 'int8');
    assert.equal(q.scale.length, weights.shape[q.quantizedDimension]);
    assert.ok(q.scale.length > 1, 'per-channel');
    const values = constantTensorValues(model, weights);
    assert.equal(
      values.length,
      weights.shape.reduce((a, b) => a * b, 1),
    );
    assert.ok(values.every(Number.isFinite));
    assert.ok(values.some((v) => v !== 0));
  });

  test('withSubgraphOutputs appends outputs and changes nothing else', slow, () => {
    const bytes = load('yamnet/yamnet.tflite');
    const before = readTfliteModel(bytes);
    const patched = readTfliteModel(withSubgraphOutputs(bytes, [120, 115, 25]));
    assert.deepEqual(patched.subgraphs[0]!.outputs, [120, 115, 25]);
    assert.deepEqual(patched.subgraphs[0]!.inputs, before.subgraphs[0]!.inputs);
    assert.equal(patched.subgraphs[0]!.tensors.length, before.subgraphs[0]!.tensors.length);
    assert.equal(patched.subgraphs[0]!.operators.length, before.subgraphs[0]!.operators.length);
    assert.deepEqual(patched.buffers[5], before.buffers[5]);
  });
});

describe('builtin operator names', () => {
  test('match schema.fbs values at both ends and across the table', async () => {
    const { builtinOperatorName } = await import('../../src/weights/tflite/schema.js');
    const expected: Record<number, string> = {
      0: 'ADD',
      3: 'CONV_2D',
      40: 'MEAN',
      73: 'LOG',
      87: 'LOGICAL_NOT',
      88: 'UNPACK',
      107: 'GATHER_ND',
      114: 'QUANTIZE',
      131: 'RFFT2D',
      135: 'COMPLEX_ABS',
      142: 'VAR_HANDLE',
      158: 'SIGN',
      999: 'BUILTIN_999',
    };
    for (const [code, name] of Object.entries(expected))
      assert.equal(builtinOperatorName(Number(code)), name);
  });
});
