// The dataset's storage pieces: float16 conversion (rounding, range, specials) and the pure-JS safetensors
// tensor file (deterministic bytes, positioned reads of rows and spans, truncation and garbage rejected).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeTensorFile, TensorFile, writeBytesDurably } from '../../src/dataset/tensorFile.js';
import { float16Bits, float16Value, fromFloat16, toFloat16 } from '../../src/util/float16.js';

const root = mkdtempSync(join(tmpdir(), 'v2meow-tensorfile-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('float16: exact values, round to nearest even, subnormals, overflow and specials', () => {
  for (const v of [0, 1, -2, 0.5, 1024, 2047, 2048, 65504, -65504, 2 ** -14, 2 ** -24, 0.333251953125])
    assert.equal(float16Value(float16Bits(v)), v);
  assert.equal(float16Bits(1), 0x3c00);
  assert.equal(float16Bits(-2), 0xc000);
  assert.equal(float16Bits(65504), 0x7bff);
  // 2049 lies halfway between 2048 and 2050: ties to even (2048); 2051 -> 2052.
  assert.equal(float16Value(float16Bits(2049)), 2048);
  assert.equal(float16Value(float16Bits(2051)), 2052);
  assert.equal(float16Value(float16Bits(1 + 2 ** -11)), 1);
  assert.equal(float16Value(float16Bits(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
  assert.equal(float16Value(float16Bits(3 * 2 ** -25)), 2 * 2 ** -24, 'subnormal tie rounds to even');
  assert.equal(float16Value(float16Bits(2 ** -26)), 0);
  assert.equal(float16Value(float16Bits(70000)), Number.POSITIVE_INFINITY);
  assert.equal(float16Value(float16Bits(65519)), 65504);
  assert.equal(float16Value(float16Bits(Number.NEGATIVE_INFINITY)), Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(float16Value(float16Bits(Number.NaN))));
  // Relative error of normal values stays within half an ulp (2^-11).
  const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
  const back = fromFloat16(toFloat16(values));
  values.forEach((v, i) => {
    assert.ok(Math.abs(back[i]! - v) <= Math.abs(v) * 2 ** -11 + 2 ** -25, `${v}`);
  });
});

test('tensor file: deterministic bytes, whole / row / span reads, metadata', () => {
  const tensors = {
    b: { dtype: 'I16' as const, shape: [3, 4], values: Array.from({ length: 12 }, (_, i) => i - 6) },
    a: { dtype: 'F16' as const, shape: [5], values: [0.5, 1, 1.5, 2, -3] },
    c: { dtype: 'F32' as const, shape: [2], values: [Math.PI, -1] },
    d: { dtype: 'I32' as const, shape: [2, 2], values: [1, -2, 1 << 20, 7] },
  };
  const bytes = encodeTensorFile(tensors, { format: 'x', note: 'y' });
  assert.deepEqual(encodeTensorFile(tensors, { format: 'x', note: 'y' }), bytes);
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'data starts 8-byte aligned');
  const path = join(root, 'one.safetensors');
  writeBytesDurably(path, bytes);
  const file = TensorFile.open(path);
  assert.deepEqual(file.metadata, { format: 'x', note: 'y' });
  assert.deepEqual([...file.tensors.keys()], ['a', 'b', 'c', 'd']);
  assert.deepEqual([...file.read('a')], [0.5, 1, 1.5, 2, -3]);
  assert.deepEqual([...file.readRows('b', 1, 2)], [-2, -1, 0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...file.readElements('b', 3, 3)], [-3, -2, -1]);
  assert.equal(file.read('c')[0], Math.fround(Math.PI));
  assert.deepEqual([...file.read('d')], [1, -2, 1 << 20, 7]);
  assert.throws(() => file.readRows('b', 2, 2), /rows|elements/);
  assert.throws(() => file.read('zz'), /lacks tensor 'zz'/);
  file.close();
  assert.throws(
    () => encodeTensorFile({ x: { dtype: 'I16', shape: [1], values: [40000] } }, {}),
    /does not fit int16/,
  );
  assert.throws(
    () => encodeTensorFile({ x: { dtype: 'F32', shape: [2], values: [1] } }, {}),
    /1 values for shape/,
  );
});

test('tensor file: truncated, garbage and missing files are rejected naming the file', () => {
  const bytes = encodeTensorFile({ a: { dtype: 'F32', shape: [100], values: new Float32Array(100) } }, {});
  const cut = join(root, 'cut.safetensors');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
  assert.throws(
    () => TensorFile.open(cut),
    (e: Error) => e.message.startsWith(cut) && /truncated/.test(e.message),
  );
  const junk = join(root, 'junk.safetensors');
  writeFileSync(junk, 'definitely not a tensor file');
  assert.throws(() => TensorFile.open(junk), /not a safetensors file/);
  assert.throws(() => TensorFile.open(join(root, 'none.safetensors')), /cannot open/);
});
