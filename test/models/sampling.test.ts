// Sampling parts: each processor on known logits, guidance's formula, seeded per-row generators.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GenerationState,
  guide,
  Sampler,
  suppressTokens,
  temperature,
  topK,
  topP,
} from '../../src/models/sampling.js';
import { tensor, tidy } from '../../src/torch/index.js';

const row = [2, 1, 0, -1, 3];
const kept = (t: ReturnType<typeof tensor>) => t.toArray().map((v) => Number.isFinite(v));

test('temperature divides; 0 keeps only the largest; top-k and top-p keep what they should', () =>
  tidy(() => {
    const logits = tensor(row, [1, 5]);
    assert.deepEqual(
      temperature(2)(logits).toArray(),
      row.map((v) => v / 2),
    );
    assert.deepEqual(kept(temperature(0)(logits)), [false, false, false, false, true]);
    assert.deepEqual(kept(topK(2)(logits)), [true, false, false, false, true]);
    assert.deepEqual(kept(topK(9)(logits)), [true, true, true, true, true]);
    // probabilities of [2, 1, 0, -1, 3]: 0.234, 0.086, 0.032, 0.012, 0.636 (cumulative 0.636, 0.870, 0.956, 0.988)
    assert.deepEqual(kept(topP(0.5)(logits)), [false, false, false, false, true]);
    assert.deepEqual(kept(topP(0.85)(logits)), [true, false, false, false, true]);
    assert.deepEqual(kept(topP(0.9)(logits)), [true, true, false, false, true]);
    assert.deepEqual(kept(topP(0.96)(logits)), [true, true, true, false, true]);
    assert.deepEqual(kept(suppressTokens([4, 0])(logits)), [false, true, true, true, false]);
    assert.throws(() => topK(0), /top-k/);
    assert.throws(() => topP(0), /top-p/);
  }));

test('guidance: uncond + scale x (cond - uncond), 2N rows -> N', () =>
  tidy(() => {
    const logits = tensor([1, 2, 3, 0, 0, 1], [2, 3]);
    assert.deepEqual(guide(logits, 3).toArray(), [3, 6, 7]);
    assert.deepEqual(guide(logits, 1).toArray(), [1, 2, 3]);
    assert.deepEqual(guide(logits, 0).toArray(), [0, 0, 1]);
    const sampler = new Sampler([temperature(0)], 3);
    assert.deepEqual(Array.from(sampler.sample(logits, new GenerationState(0, 1).generators).ids), [2]);
  }));

test('sampler: same seed same tokens, each row its own generator, frequencies follow the probabilities', () =>
  tidy(() => {
    const logits = tensor([Math.log(0.7), Math.log(0.2), Math.log(0.1)], [1, 3])
      .expand([4, 3])
      .contiguous();
    const sampler = Sampler.from({}, 1);
    const draw = (seed: number, rows = 4) => {
      const state = new GenerationState(seed, rows);
      const out: number[] = [];
      for (let i = 0; i < 200; i++)
        out.push(...sampler.sample(logits.narrow(0, 0, rows), state.generators).ids);
      return out;
    };
    const a = draw(1);
    assert.deepEqual(draw(1), a);
    assert.notDeepEqual(draw(2), a);
    // row 0 of a 4-row batch draws what a 1-row batch draws
    assert.deepEqual(
      a.filter((_, i) => i % 4 === 0),
      draw(1, 1),
    );
    const share = a.filter((v) => v === 0).length / a.length;
    assert.ok(Math.abs(share - 0.7) < 0.06, `share of token 0: ${share}`);
    assert.throws(() => sampler.sample(logits, new GenerationState(0, 3).generators), /rows/);
    // a suppressed token is never drawn
    const never = Sampler.from({ suppress: [0] }, 1);
    const state = new GenerationState(3, 4);
    for (let i = 0; i < 50; i++) assert.ok(!never.sample(logits, state.generators).ids.includes(0));
  }));
