// Token layouts: every layout round-trips, and the flattened, delay and masked layouts train on the same
// (frame, level, token) targets of the same music.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  delayPattern,
  delaySteps,
  delayTargets,
  flattenedTargets,
  flattenFrames,
  type LevelCodes,
  maskedAfterPass,
  maskedTargets,
  sampleMaskedExample,
  type TokenTarget,
  undelayPattern,
  unflattenFrames,
} from '../../src/models/layouts.js';
import { createRandom } from '../../src/util/random.js';

const codebookSize = 1024;
function music(numLevels: number, numFrames: number, seed: number): LevelCodes {
  const random = createRandom(seed);
  const data = Int32Array.from({ length: numLevels * numFrames }, () => Math.floor(random() * codebookSize));
  return { numLevels, numFrames, data };
}
const key = (t: TokenTarget) => `${t.frame},${t.level},${t.token}`;
const sorted = (ts: TokenTarget[]) => ts.map(key).sort();

test('flattened layout: layout -> tokens -> layout is the identity, with per-level offset ids', () => {
  for (const [k, f] of [
    [4, 500],
    [8, 150],
    [1, 7],
    [3, 0],
  ] as const) {
    const codes = music(k, f, k * 100 + f);
    const flat = flattenFrames(codes, codebookSize);
    assert.equal(flat.length, k * f);
    if (k > 1 && f > 1) assert.equal(flat[k + 1], codes.data[1 * f + 1]! + codebookSize); // frame 1, level 1
    for (let i = 0; i < flat.length; i++) assert.equal(Math.floor(flat[i]! / codebookSize), i % k);
    assert.deepEqual(unflattenFrames(flat, k, codebookSize), codes);
    assert.deepEqual(flattenFrames(unflattenFrames(flat, k, codebookSize), codebookSize), flat);
  }
  assert.throws(() => unflattenFrames(Int32Array.from([5, 6]), 2, codebookSize), /not of level 1/);
});

test('delay layout: layout -> tokens -> layout is the identity; level k is k frames late; pads elsewhere', () => {
  const pad = codebookSize;
  for (const [k, f] of [
    [4, 500],
    [4, 1],
    [8, 150],
  ] as const) {
    const codes = music(k, f, 7 + f);
    const steps = delaySteps(k, f);
    assert.equal(steps, f + k - 1);
    const delayed = delayPattern(codes, pad);
    assert.equal(delayed.length, k * steps);
    for (let level = 0; level < k; level++) {
      for (let s = 0; s < steps; s++) {
        const frame = s - level;
        const want = frame >= 0 && frame < f ? codes.data[level * f + frame] : pad;
        assert.equal(delayed[level * steps + s], want);
      }
    }
    assert.deepEqual(undelayPattern(delayed, k, steps), codes);
    assert.deepEqual(delayPattern(undelayPattern(delayed, k, steps), pad), delayed);
  }
});

test('flattened and delay layouts produce identical training targets for the same music', () => {
  const codes = music(4, 250, 3);
  const flat = flattenedTargets(flattenFrames(codes, codebookSize), 4, codebookSize);
  const delayed = delayTargets(delayPattern(codes, codebookSize), 4, delaySteps(4, 250));
  assert.equal(flat.length, 1000);
  assert.deepEqual(sorted(delayed), sorted(flat));
  // and both are exactly the music's tokens
  const truth: TokenTarget[] = [];
  for (let level = 0; level < 4; level++)
    for (let frame = 0; frame < 250; frame++)
      truth.push({ frame, level, token: codes.data[level * 250 + frame]! });
  assert.deepEqual(sorted(flat), sorted(truth));
});

test('masked layout: targets are the true tokens of masked frames of one level; levels above fully masked', () => {
  const codes = music(8, 150, 11);
  const mask = codebookSize;
  const random = createRandom(5);
  const levelsSeen = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const e = sampleMaskedExample(codes, mask, random);
    levelsSeen.add(e.level);
    const targets = maskedTargets(e, 8);
    assert.ok(targets.length >= 1);
    for (const t of targets) {
      assert.equal(t.level, e.level);
      assert.equal(t.token, codes.data[t.level * 150 + t.frame]);
      assert.equal(e.inputs[t.level * 150 + t.frame], mask);
    }
    // below the level: untouched; above: all masked; at the level: masked exactly where a target is
    for (let level = 0; level < 8; level++) {
      for (let f = 0; f < 150; f++) {
        const input = e.inputs[level * 150 + f];
        if (level < e.level) assert.equal(input, codes.data[level * 150 + f]);
        if (level > e.level) assert.equal(input, mask);
      }
    }
    // layout -> tokens: filling the masked positions with their targets gives the music back (below + level)
    const filled = Int32Array.from(e.inputs);
    for (const t of targets) filled[t.level * 150 + t.frame] = t.token;
    assert.deepEqual(filled.subarray(0, (e.level + 1) * 150), codes.data.subarray(0, (e.level + 1) * 150));
  }
  assert.ok(levelsSeen.size >= 6, `levels drawn: ${[...levelsSeen]}`);
});

test('masked decoding schedule: strictly fewer masked frames after each pass, none after the last', () => {
  for (const [f, steps] of [
    [150, 8],
    [150, 1],
    [5, 8],
    [1, 3],
  ] as const) {
    const left = maskedAfterPass(f, steps);
    assert.equal(left.length, steps);
    assert.equal(left.at(-1), 0);
    let previous: number = f;
    for (const l of left) {
      assert.ok(l < previous || previous === 0, `${left}`);
      previous = l;
    }
  }
  // cosine: most frames are still masked after the first of 8 passes
  assert.equal(maskedAfterPass(150, 8)[0], Math.floor(150 * Math.cos(Math.PI / 16)));
});
