// Codes suppressed per codec level (e.g. the codec's near-silent first-level codes) are never sampled, in both
// autoregressive layouts, and only at their own level.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sampler } from '../../src/models/sampling.js';
import { Stage2, stage2Config } from '../../src/models/stage2.js';
import { Stage3, stage3Config } from '../../src/models/stage3.js';
import { liveTensorCount, manualSeed, tensor } from '../../src/torch/index.js';

test('level mask: the listed codes of each level, null when none, refuses codes and levels out of range', () => {
  assert.equal(Sampler.from({ suppressPerLevel: [[], []] }, 1).levelMask(4, 8), null);
  const mask = Sampler.from({ suppressPerLevel: [[1, 7], [], [0]] }, 1).levelMask(4, 8)!;
  assert.deepEqual(mask.shape, [4, 8]);
  assert.deepEqual(
    mask.toArray().map((m) => Number(m)),
    [0, 1, 0, 0, 0, 0, 0, 1, ...Array(8).fill(0), 1, ...Array(7).fill(0), ...Array(8).fill(0)],
  );
  mask.dispose();
  assert.throws(
    () => Sampler.from({ suppressPerLevel: [[8]] }, 1).levelMask(4, 8),
    /code 8 is not in 0\.\.7/,
  );
  assert.throws(
    () => Sampler.from({ suppressPerLevel: [[], [], [], [], [1]] }, 1).levelMask(4, 8),
    /5 levels/,
  );
});

for (const layout of ['delay', 'flattened'] as const) {
  test(`stage 2 (${layout}): suppressed codes of a level are never drawn there, and other levels keep them`, () => {
    manualSeed(5);
    const model = new Stage2(stage2Config('debug', { dropout: 0, layout }));
    const size = model.config.codebookSize;
    const semantic = tensor(
      Int32Array.from({ length: 12 }, (_, i) => (i * 5) % model.config.semanticVocabularySize),
      [1, 12],
      { dtype: 'int64' },
    );
    model.generate({ semantic }, { seed: 2, candidates: 3 }).dispose(); // the first call caches a tensor of its own
    const before = liveTensorCount();
    // level 0 may draw only codes 3 and 4; level 1 never draws the codes level 0 was limited to
    const onlyTwo = Array.from({ length: size }, (_, i) => i).filter((c) => c !== 3 && c !== 4);
    const codes = model.generate(
      { semantic },
      { seed: 2, candidates: 3, temperature: 2, suppressPerLevel: [onlyTwo, [3, 4]] },
    );
    const [rows, levels, frames] = codes.shape as [number, number, number];
    const data = Array.from(codes.toArray());
    for (let r = 0; r < rows; r++) {
      const level = (k: number) => data.slice((r * levels + k) * frames, (r * levels + k + 1) * frames);
      assert.ok(
        level(0).every((c) => c === 3 || c === 4),
        `row ${r} level 0: ${level(0).join(',')}`,
      );
      assert.ok(level(1).every((c) => c !== 3 && c !== 4));
      assert.ok(new Set(level(1)).size > 4); // hot random sampling elsewhere: many codes
    }
    codes.dispose();
    assert.equal(liveTensorCount(), before);
    semantic.dispose();
    model.dispose();
  });
}

for (const layout of ['masked', 'flattened'] as const) {
  test(`stage 3 (${layout}): suppressed fine codes of a level are never drawn there`, () => {
    manualSeed(6);
    const model = new Stage3(stage3Config('debug', { dropout: 0, layout, windowFrames: 32 }));
    const size = model.config.codebookSize;
    const frames = 16;
    const coarse = tensor(
      Int32Array.from({ length: model.config.numCoarseLevels * frames }, (_, i) => (i * 13) % size),
      [1, model.config.numCoarseLevels, frames],
      { dtype: 'int64' },
    );
    const onlyTwo = Array.from({ length: size }, (_, i) => i).filter((c) => c !== 5 && c !== 6);
    const fine = model.generate(
      { coarse },
      { seed: 1, candidates: 2, temperature: 2, suppressPerLevel: [[], onlyTwo] },
    );
    const [rows, levels, n] = fine.shape as [number, number, number];
    const data = Array.from(fine.toArray());
    for (let r = 0; r < rows; r++) {
      const level = (k: number) => data.slice((r * levels + k) * n, (r * levels + k + 1) * n);
      assert.ok(
        level(1).every((c) => c === 5 || c === 6),
        `row ${r} level 1: ${level(1).join(',')}`,
      );
      assert.ok(new Set(level(0)).size > 2);
    }
    fine.dispose();
    coarse.dispose();
    model.dispose();
  });
}
