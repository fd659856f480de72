// Image helpers: crop, pad, bilinear resize on small synthetic frames.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { softmax, topK } from '../../src/encoders/classification.js';
import { centerCropSquare, padToSquare, resizeBilinear } from '../../src/encoders/imageOps.js';

const gradient = (width: number, height: number) => {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.fill(x * 10 + y, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { data, width, height };
};

describe('imageOps', () => {
  test('centre crop keeps the middle square', () => {
    const crop = centerCropSquare(gradient(4, 2));
    assert.equal(crop.width, 2);
    assert.deepEqual(Array.from(crop.data.filter((_, i) => i % 3 === 0)), [10, 20, 11, 21]);
  });

  test('pad to square centres the frame on black', () => {
    const { frame, left, top } = padToSquare(gradient(2, 4));
    assert.equal(frame.width, 4);
    assert.equal(left, 1);
    assert.equal(top, 0);
    assert.deepEqual(Array.from(frame.data.filter((_, i) => i % 3 === 0).slice(0, 4)), [0, 0, 10, 0]);
  });

  test('bilinear resize: identity, constant images, and a 2x downscale averages pairs', () => {
    const g = gradient(4, 4);
    assert.equal(resizeBilinear(g, 4, 4), g);
    const flat = { data: new Uint8Array(5 * 3 * 3).fill(77), width: 5, height: 3 };
    assert.ok(resizeBilinear(flat, 7, 2).data.every((v) => v === 77));
    const half = resizeBilinear(g, 2, 2);
    // Output pixel (0, 0) samples at source (0.5, 0.5): mean of x in {0, 1}, y in {0, 1} = (0 + 10 + 1 + 11) / 4.
    assert.equal(half.data[0], Math.round(5.5));
  });

  test('softmax sums to one; topK sorts descending with labels', () => {
    const p = softmax([1, 2, 3]);
    assert.ok(Math.abs(p[0]! + p[1]! + p[2]! - 1) < 1e-6);
    assert.deepEqual(topK([0.1, 0.7, 0.2], ['a', 'b', 'c'], 2), [
      { label: 'b', score: 0.7 },
      { label: 'c', score: 0.2 },
    ]);
  });
});
