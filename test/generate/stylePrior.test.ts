// The style prior (src/generate/stylePrior.ts): text style -> the mean style of the training pieces nearest it
// by centred cosine; its table round-trips through the prototype format; a bundle with one hands stage 1 the
// prior's vector instead of the text's (generation.stylePriorK, a request's stylePriorK); bad settings are
// refused.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  prototypesFormat,
  prototypesVersion,
  type StylePrototypes,
  savePrototypes,
} from '../../src/encoders/stylePrototypes.js';
import { V2meowError } from '../../src/errors.js';
import { V2Meow } from '../../src/generate/pipeline.js';
import {
  StylePrior,
  type StylePromptsHeader,
  saveStylePrompts,
  stylePromptsFormat,
  stylePromptsVersion,
} from '../../src/generate/stylePrior.js';
import { windowStreamInputs } from '../../src/models/common.js';
import { tensor } from '../../src/torch/index.js';
import { writeDebugBundle } from './debugBundle.js';

const dir = mkdtempSync(join(tmpdir(), 'v2meow-style-prior-'));
const dim = 100;

/** A table whose rows are `rows` (each a sparse {dimension: value} on top of `common`). */
function table(rows: Record<number, number>[], common: Record<number, number> = {}): StylePrototypes {
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach((row, r) => {
    for (const [d, v] of Object.entries({ ...common, ...row })) vectors[r * dim + Number(d)] = v;
  });
  return {
    format: prototypesFormat,
    version: prototypesVersion,
    dim,
    labels: Array.from({ length: dim }, (_, d) => `tag${d}`),
    rows: rows.map((_, r) => ({ key: `piece-${r}`, startSec: 0, split: 'train' as const })),
    provenance: { what: 'test' },
    vectors,
  };
}

const vector = (entries: Record<number, number>) => {
  const v = new Float32Array(dim);
  for (const [d, x] of Object.entries(entries)) v[Number(d)] = x;
  return v;
};

describe('style prior', () => {
  test('the k nearest rows by centred cosine, averaged; k is capped at the table', () => {
    const prior = new StylePrior(table([{ 0: 0.5 }, { 1: 0.5 }, { 2: 0.5 }, { 1: 0.4, 2: 0.2 }]));
    assert.equal(prior.size, 4);
    const one = prior.nearest(vector({ 1: 0.6 }), 1);
    assert.deepEqual(one.neighbours, ['piece-1']);
    assert.ok(Math.abs(one.vector[1]! - 0.5) < 1e-6 && one.vector[0] === 0);
    const two = prior.nearest(vector({ 1: 0.6 }), 2);
    assert.deepEqual(two.neighbours, ['piece-1', 'piece-3']);
    assert.ok(Math.abs(two.vector[1]! - 0.45) < 1e-6);
    assert.ok(Math.abs(two.vector[2]! - 0.1) < 1e-6);
    assert.equal(prior.nearest(vector({ 1: 0.6 }), 50).neighbours.length, 4);
  });

  test('a tag every piece shares is discounted: a text finds the piece with the tag that sets it apart', () => {
    // every piece is mostly tag 0 ("soft"); piece 2 alone has some of tag 5 ("guitar")
    const prior = new StylePrior(table([{}, { 9: 0.1 }, { 5: 0.1 }, { 8: 0.1 }], { 0: 0.9 }));
    const soft = { 0: 0.5 };
    assert.deepEqual(prior.nearest(vector({ ...soft, 5: 0.5 }), 1).neighbours, ['piece-2']);
    assert.deepEqual(prior.nearest(vector({ ...soft, 9: 0.5 }), 1).neighbours, ['piece-1']);
  });

  test('bad calls are typed errors', () => {
    const prior = new StylePrior(table([{ 0: 1 }]));
    assert.throws(
      () => prior.nearest(new Float32Array(3), 1),
      (e: unknown) => e instanceof V2meowError && e.code === 'SHAPE_MISMATCH',
    );
    assert.throws(
      () => prior.nearest(vector({ 0: 1 }), 0),
      (e: unknown) => e instanceof V2meowError && e.code === 'BAD_ARGUMENT',
    );
    assert.throws(
      () => new StylePrior(table([])),
      (e: unknown) => e instanceof V2meowError && e.code === 'EMPTY_CORPUS',
    );
  });

  test('saved and loaded in the prototype format (float16)', async () => {
    const t = table([{ 0: 0.25 }, { 3: 0.75 }]);
    await savePrototypes(join(dir, 'saved'), t);
    const loaded = StylePrior.load(join(dir, 'saved'));
    assert.equal(loaded.size, 2);
    assert.deepEqual(loaded.nearest(vector({ 3: 1 }), 1).neighbours, ['piece-1']);
    assert.equal(loaded.nearest(vector({ 3: 1 }), 1).vector[3], 0.75);
  });
});

/** Prompts for `count` rows: row r's semantic tokens are r*10 + t, its codes (l, f) -> (r + l + f) mod size. */
function prompts(
  count: number,
  o: { semanticTokens?: number; levels?: number; codebookSize?: number; tokenizerId?: string } = {},
): StylePromptsHeader & { readonly tokens: Uint16Array } {
  const p = o.semanticTokens ?? 50;
  const levels = o.levels ?? 4;
  const size = o.codebookSize ?? 64;
  const perRow = p + levels * 2 * p;
  const tokens = new Uint16Array(count * perRow);
  for (let r = 0; r < count; r++) {
    for (let t = 0; t < p; t++) tokens[r * perRow + t] = (r * 10 + t) % 64;
    for (let l = 0; l < levels; l++)
      for (let f = 0; f < 2 * p; f++) tokens[r * perRow + p + l * 2 * p + f] = (r + l + f) % size;
  }
  return {
    format: stylePromptsFormat,
    version: stylePromptsVersion,
    count,
    semanticTokens: p,
    levels,
    semanticTokenizerId: o.tokenizerId ?? 'debug-loudness-64',
    semanticVocabularySize: 64,
    codebookSize: size,
    codec: 'test',
    startSec: Array(count).fill(0),
    tokens,
  };
}

describe('style prompts', () => {
  test('saved beside the table and read back per row', async () => {
    const folder = join(dir, 'prompts');
    await savePrototypes(folder, table([{ 0: 1 }, { 1: 1 }]));
    await saveStylePrompts(folder, prompts(2, { semanticTokens: 5, levels: 2 }));
    const prior = StylePrior.load(folder);
    const one = prior.promptOf(1);
    assert.deepEqual(Array.from(one.semantic), [10, 11, 12, 13, 14]);
    assert.equal(one.acoustic.length, 2 * 10);
    assert.deepEqual(Array.from(one.acoustic.subarray(10, 13)), [2, 3, 4]); // level 1, frames 0-2
    assert.throws(() => new StylePrior(table([{ 0: 1 }])).promptOf(0), /holds no prompts/);
    assert.throws(
      () => new StylePrior(table([{ 0: 1 }]), prompts(2)),
      (e: unknown) => e instanceof V2meowError && e.code === 'SHAPE_MISMATCH',
    );
  });

  test('a window before the timeline repeats its first frame, so tokens keep their own time', () => {
    const frames = tensor(
      Float32Array.from({ length: 10 }, (_, i) => i),
      [1, 10, 1],
    );
    const specs = [{ name: 'curves', rateHz: 25, dim: 1 }] as never;
    const before = windowStreamInputs({ streams: { curves: frames } }, specs, -0.12, 0.2); // 3 frames early
    assert.deepEqual(Array.from(before.streams!.curves!.toArray()), [0, 0, 0, 0, 1]);
    const inside = windowStreamInputs({ streams: { curves: frames } }, specs, 0.08, 0.12);
    assert.deepEqual(Array.from(inside.streams!.curves!.toArray()), [2, 3, 4]);
  });
});

describe('style prior in a bundle', () => {
  const models: V2Meow[] = [];
  after(() => {
    for (const m of models) m.dispose();
  });

  test("stage 1 gets the prior's vector: any text that finds the same piece gives the same music", async () => {
    // one piece: every text's nearest is that piece, so the style token no longer depends on the text
    const bundle = await writeDebugBundle(join(dir, 'with-prior'), {
      stylePrior: table([{ 4: 0.3, 7: 0.2 }]),
      generation: { stylePriorK: 1 },
    });
    const model = await V2Meow.fromPretrained(bundle);
    models.push(model);
    const semantic = async (text: string, stylePriorK?: number) =>
      Array.from(
        (await model.generate({ text, seconds: 0.6, seed: 2, stylePriorK })).candidates[0]!.semantic.data,
      );
    const piano = await semantic('calm piano');
    assert.deepEqual(piano, await semantic('heavy metal guitar'));
    // 0 turns the prior off: the texts' own vectors, which differ, give other music
    assert.notDeepEqual(await semantic('calm piano', 0), await semantic('heavy metal guitar', 0));
    const result = await model.generate({ text: 'calm piano', seconds: 0.6, seed: 2 });
    assert.deepEqual(result.text?.prior?.neighbours, ['piece-0']);
    assert.equal(result.text?.prior?.k, 1);
    // the text's own vector is still reported (what text control is scored against)
    assert.ok(result.text!.vector[4] !== 0.3);
    await assert.rejects(
      model.generate({ text: 'calm piano', seconds: 0.6, stylePriorK: -1 }),
      /stylePriorK must be a whole number >= 0/,
    );
  });

  test('style prompt: the stages continue a training piece, the output is as long as asked, never the prompt', async () => {
    const bundle = await writeDebugBundle(join(dir, 'with-prompts'), {
      stylePrior: table([{ 4: 0.3 }, { 7: 0.3 }]),
      stylePrompts: prompts(2),
      generation: { stylePriorK: 2, stylePrompt: true },
    });
    const model = await V2Meow.fromPretrained(bundle);
    models.push(model);
    const seconds = 1.5;
    const request = { text: 'calm piano', seconds, seed: 5, candidates: 2 } as const;
    const prompted = await model.generate(request);
    for (const c of prompted.candidates) {
      assert.equal(c.waveform.length, Math.round(seconds * 16000));
      assert.deepEqual(c.semantic.shape, [Math.ceil(seconds * 25)]);
      assert.deepEqual(c.coarse.shape, [2, 2 * Math.ceil(seconds * 25)]);
    }
    // near-greedy sampling, so that what the stages read shows in what they write (the random debug stages are
    // nearly uniform: at T 1 the seed alone decides)
    const cold = { ...request, temperatures: { stage1: 0.01, stage2: 0.01, stage3: 0.01 } };
    assert.notDeepEqual(
      Array.from((await model.generate(cold)).candidates[0]!.coarse.data),
      Array.from((await model.generate({ ...cold, stylePrompt: false })).candidates[0]!.coarse.data),
    );
    // dropping the text drops the prompt too: the same as generating without text at all
    const dropped = await model.generate({ ...request, drop: 'text' });
    const none = await model.generate({ seconds, seed: 5, candidates: 2 });
    assert.deepEqual(
      Array.from(dropped.candidates[0]!.semantic.data),
      Array.from(none.candidates[0]!.semantic.data),
    );
  });

  test('style prompts that do not fit the bundle are refused when it loads', async () => {
    const bundle = await writeDebugBundle(join(dir, 'misfit-prompts'), {
      stylePrior: table([{ 4: 0.3 }]),
      stylePrompts: prompts(1, { tokenizerId: 'another-tokenizer' }),
    });
    await assert.rejects(
      V2Meow.fromPretrained(bundle),
      (e: unknown) =>
        e instanceof V2meowError &&
        e.code === 'SHAPE_MISMATCH' &&
        /style prompts semanticTokenizerId is "another-tokenizer"/.test(e.message),
    );
    const noPrompts = await writeDebugBundle(join(dir, 'prompt-without-prompts'), {
      stylePrior: table([{ 4: 0.3 }]),
      generation: { stylePriorK: 1, stylePrompt: true },
    });
    await assert.rejects(V2Meow.fromPretrained(noPrompts), /no style prior with prompts/);
  });

  test('stylePriorK without a prior, or of the wrong kind, is refused', async () => {
    const plain = await V2Meow.fromPretrained(await writeDebugBundle(join(dir, 'no-prior')));
    models.push(plain);
    await assert.rejects(
      plain.generate({ text: 'calm piano', seconds: 0.6, stylePriorK: 4 }),
      (e: unknown) => e instanceof V2meowError && /has no style prior/.test(e.message),
    );
    const bad = await writeDebugBundle(join(dir, 'bad-prior'));
    const manifestPath = join(bad, 'bundle.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, generation: { stylePriorK: 4 } }));
    await assert.rejects(
      V2Meow.fromPretrained(bad),
      (e: unknown) =>
        e instanceof V2meowError && e.code === 'SHAPE_MISMATCH' && /no stylePrior part/.test(e.message),
    );
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, generation: { stylePriorK: 1.5 } }));
    await assert.rejects(V2Meow.fromPretrained(bad), /generation\.stylePriorK 1\.5: a whole number >= 0/);
  });
});
