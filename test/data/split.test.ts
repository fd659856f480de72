// Split assignment, PCM16 conversion and the seeded generator: pure functions, checked by value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { floatToPcm16, pcm16ToFloat, rmsDb } from '../../src/data/pcm16.js';
import { assignSplit, hashUnit, parseSplit } from '../../src/data/split.js';
import type { V2meowError } from '../../src/errors.js';
import { createRandom, mixSeed, shuffleInPlace } from '../../src/util/random.js';

test('assignSplit depends only on path and seed, and follows the fractions', () => {
  const fractions = { train: 0.9, validation: 0.05, test: 0.05 };
  const keys = Array.from({ length: 4000 }, (_, i) => `music/track-${i}.ogg`);
  const first = keys.map((key) => assignSplit(key, 1, fractions));
  assert.deepEqual(
    keys.map((key) => assignSplit(key, 1, fractions)),
    first,
  );
  const count = (name: string) => first.filter((split) => split === name).length / keys.length;
  assert.ok(Math.abs(count('train') - 0.9) < 0.02, `train ${count('train')}`);
  assert.ok(Math.abs(count('validation') - 0.05) < 0.015, `validation ${count('validation')}`);
  assert.ok(Math.abs(count('test') - 0.05) < 0.015, `test ${count('test')}`);
  const reseeded = keys.map((key) => assignSplit(key, 2, fractions));
  assert.ok(reseeded.some((split, i) => split !== first[i]));
  assert.equal(assignSplit('a.ogg', 1, { train: 1, validation: 0, test: 0 }), 'train');
  assert.equal(assignSplit('a.ogg', 1, { train: 0, validation: 0, test: 1 }), 'test');
  // Golden value: SHA-256("0:music/a.ogg") starts cb577f46f071 (sha256sum); 0xcb577f46f071 / 2^48.
  assert.equal(hashUnit('music/a.ogg', 0), 0xcb577f46f071 / 2 ** 48);
  assert.equal(assignSplit('music/a.ogg', 0, { train: 0.7, validation: 0.1, test: 0.2 }), 'validation');
});

test('parseSplit reads three fractions and rejects bad ones', () => {
  assert.deepEqual(parseSplit('0.8,0.1,0.1'), { train: 0.8, validation: 0.1, test: 0.1 });
  for (const bad of ['0.9,0.1', '0.5,0.5,0.5', 'a,b,c', '1.2,-0.1,-0.1'])
    assert.throws(
      () => parseSplit(bad),
      (error: V2meowError) => error.code === 'BAD_ARGUMENT',
    );
});

test('PCM16 round trip is within 1/32768 and clips out-of-range values', () => {
  const samples = new Float32Array([0, 0.5, -0.5, 0.999, -1, 1.5, -2, 1e-6, 0.123456]);
  const bytes = floatToPcm16(samples);
  assert.equal(bytes.length, 18);
  assert.equal(bytes.readInt16LE(2), 16384);
  assert.equal(bytes.readInt16LE(10), 32767);
  assert.equal(bytes.readInt16LE(12), -32768);
  const back = pcm16ToFloat(bytes);
  for (const i of [0, 1, 2, 3, 4, 7, 8]) assert.ok(Math.abs(back[i]! - samples[i]!) <= 0.5 / 32768 + 1e-9);
  assert.equal(back[5], 32767 / 32768);
  assert.equal(back[6], -1);
});

test('rmsDb of a full-scale sine is -3 dB, of silence -Infinity', () => {
  const sine = Float32Array.from({ length: 8000 }, (_, i) => Math.sin((2 * Math.PI * 100 * i) / 8000));
  assert.ok(Math.abs(rmsDb(sine) + 3.0103) < 0.01);
  assert.equal(rmsDb(new Float32Array(10)), -Infinity);
});

test('seeded generator and shuffle are reproducible permutations', () => {
  const a = shuffleInPlace([...Array(50).keys()], createRandom(mixSeed(3, 'x')));
  const b = shuffleInPlace([...Array(50).keys()], createRandom(mixSeed(3, 'x')));
  const c = shuffleInPlace([...Array(50).keys()], createRandom(mixSeed(3, 'y')));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    [...Array(50).keys()],
  );
  const random = createRandom(1);
  const values = Array.from({ length: 1000 }, random);
  assert.ok(values.every((value) => value >= 0 && value < 1));
  assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) / 1000 - 0.5) < 0.05);
});
