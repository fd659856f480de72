// Aligned conditioning (stage 1's encoder frame at each token, stage 2's semantic tokens at each acoustic step):
// the positions added while decoding with the KV cache must be the ones teacher forcing adds. Checked by
// decoding greedily (top-k 1) from random weights and teacher-forcing the result: every position's argmax is the
// decoded token (accuracy 1), and decoding in two calls (the second continuing the first as a prompt) gives the
// tokens of one call.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Stage1, stage1Config } from '../../src/models/stage1.js';
import { Stage2, stage2Config } from '../../src/models/stage2.js';
import {
  cat,
  loadModelWeights,
  manualSeed,
  noGrad,
  randn,
  saveModel,
  type Tensor,
  tensor,
} from '../../src/torch/index.js';

const greedy = { topK: 1, seed: 1 } as const;
const ints = (t: Tensor) => Array.from(t.toArray());
const levels = 4;
const codebookSize = 1024;

/**
 * The teacher-forced argmax (within the code's own level, as sampling restricts it) and the code, at every
 * generated code (frames >= promptFrames). logits: [1, L, K x C] (flattened, position j = frame j / K, level
 * j % K) or [1, L, K, C] (delay, level k of frame f at step f + k); codes [1, K, T].
 */
function greedyAt(logits: Tensor, codes: Tensor, promptFrames: number, layout: string) {
  const values = logits.toArray();
  const data = ints(codes);
  const t = codes.size(2);
  const argmax: number[] = [];
  const expected: number[] = [];
  for (let f = promptFrames; f < t; f++) {
    for (let k = 0; k < levels; k++) {
      const position = layout === 'flattened' ? f * levels + k : f + k;
      const base = (position * levels + k) * codebookSize;
      let best = 0;
      for (let c = 1; c < codebookSize; c++) if (values[base + c]! > values[base + best]!) best = c;
      argmax.push(best);
      expected.push(data[k * t + f]!);
    }
  }
  return { argmax, expected };
}

describe('stage 1 aligned conditioning', () => {
  manualSeed(3);
  const config = stage1Config('debug', {
    dropout: 0,
    streams: [{ name: 'curves', kind: 'dense', dim: 6, rateHz: 25 }],
    encoderRateHz: 12.5,
  });
  const model = new Stage1(config);
  model.eval();
  const frames = 24;
  const curves = tensor(
    new Float32Array(frames * 6).map((_, i) => Math.sin(i * 0.7) * 3),
    [1, frames, 6],
  );
  const style = tensor(
    new Float32Array(100).map((_, i) => Math.cos(i)),
    [1, 100],
  );
  const conditions = { streams: { curves }, style };

  test('has the projection and uses it: teacher forcing the greedy tokens reproduces them', () => {
    assert.ok(model.align);
    const tokens = model.generate(conditions, { numTokens: frames, ...greedy });
    const out = model.forward({ ...conditions, semantic: tokens });
    assert.equal(out.accuracy, 1);
  });

  test('two calls (the second continuing the first) decode what one call does', () => {
    const whole = model.generate(conditions, { numTokens: frames, ...greedy });
    const head = model.generate(conditions, { numTokens: 10, ...greedy });
    const tail = model.generate(conditions, { numTokens: frames - 10, prompt: head, ...greedy });
    assert.deepEqual(ints(cat([head, tail], 1)), ints(whole));
  });

  test('an old config without the field builds no projection', () => {
    const old = new Stage1({ ...config, alignedConditioning: undefined });
    assert.equal(old.align, null);
    old.dispose();
  });
});

for (const layout of ['delay', 'flattened'] as const) {
  for (const semanticPrefix of [true, false]) {
    describe(`stage 2 aligned semantic (${layout}, ${semanticPrefix ? 'with' : 'without'} prefix)`, () => {
      manualSeed(4);
      const model = new Stage2(
        stage2Config('debug', { dropout: 0, layout, semanticPrefix, alignedSemantic: [-1, 0, 2] }),
      );
      model.eval();
      const semantic = tensor(
        Int32Array.from({ length: 8 }, (_, i) => (i * 37 + 11) % 256),
        [1, 8],
        { dtype: 'int64' },
      );

      for (const promptFrames of [0, 6]) {
        test(`teacher forcing reproduces the greedy codes (prompt of ${promptFrames} frames)`, () => {
          const prompt = tensor(
            Int32Array.from({ length: 4 * promptFrames }, (_, i) => (i * 131 + 7) % codebookSize),
            [1, 4, promptFrames],
            { dtype: 'int64' },
          );
          const codes = model.generate(
            { semantic },
            { numFrames: 16 - promptFrames, prompt: promptFrames ? prompt : null, ...greedy },
          );
          assert.deepEqual(codes.shape, [1, 4, 16 - promptFrames]);
          const all = promptFrames ? cat([prompt, codes], 2) : codes;
          const out = model.forward({ semantic, acoustic: all });
          const { argmax, expected } = greedyAt(out.logits, all, promptFrames, layout);
          assert.equal(expected.length, 4 * (16 - promptFrames));
          assert.deepEqual(argmax, expected);
        });
      }
    });
  }
}

test('stage 2 without a prefix and without aligned offsets is refused', () => {
  assert.throws(
    () => new Stage2(stage2Config('debug', { semanticPrefix: false, alignedSemantic: [] })),
    /needs alignedSemantic/,
  );
});

describe('stage 1 style to decoder (config.styleToDecoder)', () => {
  manualSeed(5);
  const base = stage1Config('debug', {
    dropout: 0,
    streams: [{ name: 'curves', kind: 'dense', dim: 6, rateHz: 25 }],
  });
  const frames = 20;
  const curves = tensor(
    new Float32Array(frames * 6).map((_, i) => Math.sin(i * 0.3) * 2),
    [1, frames, 6],
  );
  const styleA = tensor(
    new Float32Array(100).map((_, i) => Math.cos(i)),
    [1, 100],
  );
  const styleB = tensor(
    new Float32Array(100).map((_, i) => Math.sin(3 * i)),
    [1, 100],
  );
  const tokens = tensor(
    Int32Array.from({ length: frames }, (_, i) => (i * 37) % 256),
    [1, frames],
    {
      dtype: 'int32',
    },
  );
  const logitsOf = (model: Stage1, style: Tensor) =>
    model.forward({ streams: { curves }, style, semantic: tokens }).logits.toFloat32Array();
  const maxDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

  test("starts at zero: a model given an older file's weights computes what that model does", () => {
    const old = new Stage1(base).eval();
    const dir = mkdtempSync(join(tmpdir(), 'v2meow-style-dec-'));
    try {
      const file = join(dir, 'old.safetensors');
      saveModel(file, old, { kind: 'stage1', config: base, extra: {} });
      const config = { ...base, styleToDecoder: true };
      const model = new Stage1(config).eval();
      assert.throws(() => loadModelWeights(file, model), /missing styleToDecoder.weight/);
      loadModelWeights(file, model, { mayLack: Stage1.newParameters(config) });
      assert.equal(maxDiff(logitsOf(model, styleA), logitsOf(old, styleA)), 0);
      // the older model has no such parameters to lack: a strict load of its own file
      assert.equal(Stage1.newParameters(base)('styleToDecoder.weight'), false);
      model.dispose();
    } finally {
      old.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('once trained, the style reaches every step; decoding with the cache matches teacher forcing', () => {
    const model = new Stage1({ ...base, styleToDecoder: true }).eval();
    const off = new Stage1({ ...base, styleToDecoder: false }).eval();
    off.loadStateDict(model.stateDict(), false);
    noGrad(() => model.styleToDecoder!.weight.copy_(randn([base.dModel, base.dModel]).mul(0.2)));
    // the path changes what the style does to the logits
    const gap = (m: Stage1) => maxDiff(logitsOf(m, styleA), logitsOf(m, styleB));
    assert.ok(gap(model) > gap(off) + 1e-3, `${gap(model)} vs ${gap(off)}`);
    const conditions = { streams: { curves }, style: styleA };
    const greedyTokens = model.generate(conditions, { numTokens: frames, ...greedy });
    assert.equal(model.forward({ ...conditions, semantic: greedyTokens }).accuracy, 1);
    model.dispose();
    off.dispose();
  });
});

describe('stage 2 style input (config.styleInput)', () => {
  manualSeed(6);
  const base = stage2Config('debug', { dropout: 0, alignedSemantic: [-1, 0, 2] });
  const semantic = tensor(
    Int32Array.from({ length: 8 }, (_, i) => (i * 53 + 5) % 256),
    [1, 8],
    { dtype: 'int64' },
  );
  const styleA = tensor(
    new Float32Array(100).map((_, i) => 0.5 + 0.5 * Math.cos(i)),
    [1, 100],
  );
  const styleB = tensor(
    new Float32Array(100).map((_, i) => 0.5 + 0.5 * Math.sin(3 * i)),
    [1, 100],
  );
  const codes = tensor(
    Int32Array.from({ length: 4 * 16 }, (_, i) => (i * 131 + 7) % codebookSize),
    [1, 4, 16],
    { dtype: 'int64' },
  );
  const logitsOf = (model: Stage2, style: Tensor | null, stylePresent?: boolean[]) =>
    model
      .forward({ semantic, style, ...(stylePresent ? { stylePresent } : {}), acoustic: codes })
      .logits.toFloat32Array();
  const maxDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

  test("starts at zero: a model given an older file's weights computes what that model does", () => {
    const old = new Stage2(base).eval();
    const dir = mkdtempSync(join(tmpdir(), 'v2meow-stage2-style-'));
    try {
      const file = join(dir, 'old.safetensors');
      saveModel(file, old, { kind: 'stage2', config: base, extra: {} });
      const config = { ...base, styleInput: true };
      const model = new Stage2(config).eval();
      assert.throws(() => loadModelWeights(file, model), /missing styleProjection.weight/);
      loadModelWeights(file, model, { mayLack: Stage2.newParameters(config) });
      assert.equal(maxDiff(logitsOf(model, styleA), logitsOf(old, null)), 0);
      assert.equal(Stage2.newParameters(base)('styleProjection.weight'), false);
      model.dispose();
    } finally {
      old.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const trained = () => {
    const model = new Stage2({ ...base, styleInput: true }).eval();
    noGrad(() => {
      model.styleProjection!.weight.copy_(randn([base.dModel, 100]).mul(0.5));
      model.styleProjection!.bias!.copy_(randn([base.dModel]).mul(0.1));
    });
    return model;
  };

  test('once trained, the style moves the logits; a dropped style is the absent one', () => {
    const model = trained();
    assert.ok(maxDiff(logitsOf(model, styleA), logitsOf(model, styleB)) > 1e-2);
    assert.equal(maxDiff(logitsOf(model, styleA, [false]), logitsOf(model, null)), 0);
    model.dispose();
  });

  test('decoding with the cache adds the style as teacher forcing does', () => {
    const model = trained();
    const out = model.generate({ semantic, style: styleA }, { numFrames: 16, ...greedy });
    const forced = model.forward({ semantic, style: styleA, acoustic: out });
    const { argmax, expected } = greedyAt(forced.logits, out, 0, 'delay');
    assert.deepEqual(argmax, expected);
    // another style decodes other codes
    const other = model.generate({ semantic, style: styleB }, { numFrames: 16, ...greedy });
    assert.notDeepEqual(ints(other), ints(out));
    model.dispose();
  });

  test('guidance on the style: scale 1 is the conditional model; a stage without style refuses it', () => {
    const model = trained();
    assert.equal(model.guides('video'), false);
    assert.equal(model.guides('style'), true);
    const plain = model.generate({ semantic, style: styleA }, { numFrames: 16, ...greedy });
    const guided = model.generate(
      { semantic, style: styleA },
      { numFrames: 16, guidanceScale: 1, guidanceDrop: 'style', ...greedy },
    );
    assert.deepEqual(ints(guided), ints(plain));
    const strong = model.generate(
      { semantic, style: styleA },
      { numFrames: 16, guidanceScale: 4, guidanceDrop: 'all', ...greedy },
    );
    assert.deepEqual(strong.shape, [1, 4, 16]);
    const without = new Stage2(base).eval();
    assert.throws(
      () =>
        without.generate({ semantic }, { numFrames: 4, guidanceScale: 2, guidanceDrop: 'style', ...greedy }),
      /no condition that guidance dropping 'style' drops/,
    );
    without.dispose();
    model.dispose();
  });
});
