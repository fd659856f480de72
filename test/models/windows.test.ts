// Windowed continuation: exactly the asked number of frames, each window continuing the last frames made.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { continueInWindows, planWindows } from '../../src/models/windows.js';
import { arange, liveTensorCount, tidy } from '../../src/torch/index.js';

test('planWindows covers the total exactly, prompts never longer than the overlap or the frames made', () => {
  for (const [total, window, overlap] of [
    [3000, 500, 100],
    [500, 500, 100],
    [501, 500, 100],
    [1, 150, 50],
    [4567, 150, 0],
    [999, 10, 9],
  ] as const) {
    const plans = planWindows(total, window, overlap);
    assert.equal(
      plans.reduce((n, p) => n + p.newFrames, 0),
      total,
    );
    let at = 0;
    for (const p of plans) {
      assert.equal(p.start, at);
      assert.ok(p.promptFrames <= overlap && p.promptFrames <= p.start);
      assert.ok(p.promptFrames + p.newFrames <= window && p.newFrames >= 1);
      at += p.newFrames;
    }
  }
  assert.deepEqual(planWindows(0, 10, 2), []);
  assert.throws(() => planWindows(10, 10, 10), /cannot overlap/);
});

test('continueInWindows joins exactly the total; each window sees the previous frames as its prompt', () => {
  const before = liveTensorCount();
  const prompts: number[][] = [];
  const out = continueInWindows(1234, 500, 100, (w, prompt) => {
    prompts.push(prompt ? prompt.select(0, 0).select(0, 0).toArray() : []);
    // frames carry their absolute index, on 2 rows x 3 levels
    return arange(w.start, w.start + w.newFrames)
      .float()
      .reshape([1, 1, -1])
      .expand([2, 3, w.newFrames])
      .contiguous();
  });
  assert.deepEqual(out.shape, [2, 3, 1234]);
  assert.deepEqual(
    tidy(() => out.select(0, 1).select(0, 2).toArray()),
    Array.from({ length: 1234 }, (_, i) => i),
  );
  assert.deepEqual(prompts[0], []);
  assert.deepEqual(
    prompts[1],
    Array.from({ length: 100 }, (_, i) => 400 + i),
  );
  out.dispose();
  assert.equal(liveTensorCount(), before);
  assert.throws(
    () => tidy(() => continueInWindows(10, 5, 1, () => arange(0, 3).float())),
    /3 frames made, 5 asked/,
  );
  assert.equal(liveTensorCount(), before);
});
