// V2Meow.generate on debug weights (src/generate/pipeline.ts): exact lengths at any duration (windows of
// stages 1-3), one result object with every stage's tokens, seeds, candidates in one batch, guidance and
// dropped conditions, prompt audio, bundles that fit or not, and no live-tensor growth. Text-only
// generation keeps these fast (no video decoding); the video path is covered by cli.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import { type GenerateRequest, type GenerationResult, V2Meow } from '../../src/generate/pipeline.js';
import { writeWav } from '../../src/media/wav.js';
import { liveTensorCount } from '../../src/torch/index.js';
import { slow } from '../helpers.js';
import { makeTestVideo } from '../media/fixtures.js';
import { writeDebugBundle } from './debugBundle.js';

const dir = mkdtempSync(join(tmpdir(), 'v2meow-generate-'));
const sameArray = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

function inRange(result: GenerationResult, semanticVocabulary: number, codebook: number): void {
  for (const c of result.candidates) {
    for (const v of c.semantic.data) assert.ok(v >= 0 && v < semanticVocabulary);
    for (const v of [...c.coarse.data, ...c.fine.data]) assert.ok(v >= 0 && v < codebook);
    for (const v of c.waveform) assert.ok(Number.isFinite(v));
  }
}

describe('V2Meow pipeline (debug weights)', () => {
  const model = V2Meow.debug();
  after(() => model.dispose());

  test('text only: exact length, every stage tokens, windows past 10 s, style of the text', async () => {
    const seconds = 12.37; // 310 semantic tokens: two stage-1 and stage-2 windows, nine stage-3 windows
    const result = await model.generate({ text: 'calm piano xyzzy', seconds, seed: 1 });
    assert.equal(result.candidates.length, 1);
    const c = result.candidates[0]!;
    assert.equal(c.waveform.length, Math.round(seconds * 16000));
    assert.deepEqual(c.semantic.shape, [310]);
    assert.deepEqual(c.coarse.shape, [2, 620]);
    assert.deepEqual(c.fine.shape, [2, 620]);
    inRange(result, 64, 64);
    assert.equal(result.video, null);
    assert.equal(result.text?.vector.length, 100);
    assert.equal(result.text?.tags.length, 5);
    assert.deepEqual(result.text?.unknownWords, ['xyzzy']);
    for (const step of ['features', 'stage1', 'stage2', 'stage3', 'codec', 'total'] as const)
      assert.ok(result.timingsSec[step] >= 0, step);
  });

  test('seeds: the same seed gives the same music, another seed and each candidate other music', async () => {
    const a = await model.generate({ text: 'rock', seconds: 1, seed: 3, candidates: 2 });
    const b = await model.generate({ text: 'rock', seconds: 1, seed: 3 });
    const c = await model.generate({ text: 'rock', seconds: 1, seed: 4 });
    assert.ok(sameArray(a.candidates[0]!.semantic.data, b.candidates[0]!.semantic.data));
    assert.ok(sameArray(a.candidates[0]!.waveform, b.candidates[0]!.waveform));
    assert.ok(!sameArray(a.candidates[0]!.semantic.data, a.candidates[1]!.semantic.data));
    assert.ok(!sameArray(a.candidates[0]!.semantic.data, c.candidates[0]!.semantic.data));
  });

  test('guidance rows and dropped conditions run; progress reaches every stage total', async () => {
    const seen = new Map<string, number>();
    const guided = await model.generate({
      text: 'happy pop',
      seconds: 1,
      guidance: 3,
      candidates: 2,
      onProgress: (p) => {
        assert.ok(p.done <= p.total);
        seen.set(p.step, p.done / p.total);
      },
    });
    assert.equal(guided.candidates.length, 2);
    assert.deepEqual([...seen.keys()], ['stage1', 'stage2', 'stage3', 'codec']);
    for (const share of seen.values()) assert.equal(share, 1);
    const dropped = await model.generate({ text: 'happy pop', seconds: 1, drop: 'all' });
    assert.equal(dropped.candidates[0]!.waveform.length, 16000);
  });

  test('a prompt audio is tokenized and continued', async () => {
    const prompt = join(dir, 'prompt.wav');
    await writeWav(
      prompt,
      Float32Array.from({ length: 48000 }, (_, i) => 0.5 * Math.sin(i * 0.05) * ((i >> 12) & 1)),
      16000,
    );
    const plain = await model.generate({ text: 'jazz', seconds: 2, seed: 2 });
    const continued = await model.generate({ text: 'jazz', seconds: 2, seed: 2, promptAudio: prompt });
    assert.equal(continued.candidates[0]!.waveform.length, 32000);
    assert.ok(!sameArray(plain.candidates[0]!.semantic.data, continued.candidates[0]!.semantic.data));
  });

  test('bad requests name the option', async () => {
    const cases: [Parameters<V2Meow['generate']>[0], RegExp][] = [
      [{ text: 'calm', seconds: 0 }, /^seconds must be a number > 0/],
      [{ text: 'calm', seconds: -2 }, /^seconds/],
      [{ text: 'calm', seconds: 1, candidates: 0 }, /^candidates must be a whole number >= 1/],
      [{ text: 'calm' }, /^seconds is needed when there is no video/],
      [{ text: 'xyzzy plugh', seconds: 1 }, /^text: no style understood.*unknown words: xyzzy, plugh/],
    ];
    for (const [request, pattern] of cases)
      await assert.rejects(
        model.generate(request),
        (e: unknown) => e instanceof V2meowError && pattern.test(e.message),
      );
  });

  test('decode levels: the coarse levels alone skip stage 3; out of range is refused before any work', async () => {
    const all = await model.generate({ text: 'rock', seconds: 1, seed: 2 });
    const coarse = await model.generate({ text: 'rock', seconds: 1, seed: 2, decodeLevels: 2 });
    assert.deepEqual(coarse.candidates[0]!.fine.shape, [0, 50]);
    assert.equal(coarse.timingsSec.stage3, 0);
    assert.ok(sameArray(coarse.candidates[0]!.coarse.data, all.candidates[0]!.coarse.data));
    assert.equal(coarse.candidates[0]!.waveform.length, 16000);
    assert.ok(!sameArray(coarse.candidates[0]!.waveform, all.candidates[0]!.waveform));
    await assert.rejects(
      model.generate({ text: 'rock', seconds: 1, decodeLevels: 5 }),
      (e: unknown) =>
        e instanceof V2meowError && /^decode levels 5: a whole number from 1 to 4/.test(e.message),
    );
  });

  test('no live-tensor growth over generations', async () => {
    await model.generate({ text: 'soft', seconds: 0.5 });
    const before = liveTensorCount();
    for (let k = 0; k < 3; k++) await model.generate({ text: 'soft', seconds: 0.5, seed: k, candidates: 2 });
    assert.equal(liveTensorCount(), before);
  });
});

describe('V2Meow.fromPretrained(bundle)', () => {
  test('a bundle of fitting parts loads and generates', async () => {
    const bundle = await writeDebugBundle(join(dir, 'good'));
    const model = await V2Meow.fromPretrained(bundle);
    try {
      const result = await model.generate({ text: 'epic strings', seconds: 0.6 });
      assert.equal(result.model, 'debug-bundle');
      assert.equal(result.candidates[0]!.waveform.length, 9600);
    } finally {
      model.dispose();
    }
  });

  test(
    'a bundle with the committed MusiCNN + k-means tokenizer (weights/semantic) loads it',
    slow,
    async () => {
      const bundle = await writeDebugBundle(join(dir, 'real-tokenizer'), { realTokenizer: true });
      const model = await V2Meow.fromPretrained(bundle);
      try {
        const tokenizer = model.parts.semanticTokenizer;
        assert.match(tokenizer.id, /^musicnn-kmeans-mtt-all-mean-k256-/);
        assert.equal(tokenizer.vocabularySize, 256);
        assert.equal(model.parts.stage1.config.semanticTokenizerId, tokenizer.id);
      } finally {
        model.dispose();
      }
    },
  );

  test("a bundle's generation settings are its defaults; a request overrides them; bad ones are refused", async () => {
    const bundle = await writeDebugBundle(join(dir, 'settings'), {
      generation: { decodeLevels: 2, sampling: { stage2: { topK: 1 } } },
    });
    const model = await V2Meow.fromPretrained(bundle);
    try {
      // the bundle's stage-2 top-k 1: from the same semantic tokens, any seed gives the same coarse codes
      const semanticTokens = Int32Array.from({ length: 15 }, (_, i) => (i * 7) % 64);
      const a = await model.generate({ text: 'epic strings', seconds: 0.6, seed: 1, semanticTokens });
      const b = await model.generate({ text: 'epic strings', seconds: 0.6, seed: 2, semanticTokens });
      assert.deepEqual(a.candidates[0]!.fine.shape, [0, 30]);
      assert.ok(sameArray(a.candidates[0]!.coarse.data, b.candidates[0]!.coarse.data));
      const c = await model.generate({ text: 'epic strings', seconds: 0.6, seed: 1, decodeLevels: 4 });
      assert.deepEqual(c.candidates[0]!.fine.shape, [2, 30]);
    } finally {
      model.dispose();
    }
    // a hand-edited bundle.json (writing one checks it first)
    const bad = await writeDebugBundle(join(dir, 'bad-settings'));
    const manifestPath = join(bad, 'bundle.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, generation: { decodeLevels: 0 } }));
    await assert.rejects(
      V2Meow.fromPretrained(bad),
      (e: unknown) => e instanceof V2meowError && /generation\.decodeLevels 0/.test(e.message),
    );
  });

  test('a stage 2 that reads the style gets the text: another text, other coarse codes; its own guidance scale', async () => {
    const bundle = await writeDebugBundle(join(dir, 'stage2-style'), {
      stage2Style: true,
      generation: { decodeLevels: 2, sampling: { stage2: { topK: 1 } } },
    });
    const model = await V2Meow.fromPretrained(bundle);
    try {
      const semanticTokens = Int32Array.from({ length: 15 }, (_, i) => (i * 7) % 64);
      const coarse = async (request: Partial<GenerateRequest>) =>
        (await model.generate({ seconds: 0.6, seed: 1, semanticTokens, ...request })).candidates[0]!.coarse
          .data;
      const strings = await coarse({ text: 'epic strings' });
      assert.ok(sameArray(strings, await coarse({ text: 'epic strings', seed: 2 })));
      assert.ok(!sameArray(strings, await coarse({ text: 'heavy metal drums' })));
      // guidance dropping the style: scale 1 is the conditional model
      assert.ok(
        sameArray(strings, await coarse({ text: 'epic strings', guidance: 1, guidanceDrop: 'style' })),
      );
    } finally {
      model.dispose();
    }
    const bad = await writeDebugBundle(join(dir, 'stage1-guidance-scale'));
    const manifestPath = join(bad, 'bundle.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(
      manifestPath,
      JSON.stringify({ ...manifest, generation: { sampling: { stage1: { guidanceScale: 2 } } } }),
    );
    await assert.rejects(
      V2Meow.fromPretrained(bad),
      (e: unknown) =>
        e instanceof V2meowError &&
        /generation\.sampling\.stage1\.guidanceScale 2: stage 2 only/.test(e.message),
    );
    // sampling numbers must be JSON numbers
    writeFileSync(
      manifestPath,
      JSON.stringify({ ...manifest, generation: { sampling: { stage1: { temperature: '0.5' } } } }),
    );
    await assert.rejects(
      V2Meow.fromPretrained(bad),
      (e: unknown) =>
        e instanceof V2meowError && /generation\.sampling\.stage1\.temperature 0\.5: > 0/.test(e.message),
    );
    // stage 2's scale must be a number in range
    for (const scale of ['3', 21]) {
      writeFileSync(
        manifestPath,
        JSON.stringify({ ...manifest, generation: { sampling: { stage2: { guidanceScale: scale } } } }),
      );
      await assert.rejects(
        V2Meow.fromPretrained(bad),
        (e: unknown) =>
          e instanceof V2meowError &&
          new RegExp(`generation\\.sampling\\.stage2\\.guidanceScale ${scale}: stage 2 only, 0 to 20`).test(
            e.message,
          ),
      );
    }
  });

  test("a bundle's suppressed tokens are never sampled (per codec level in stage 2); out-of-range ones are refused", async () => {
    // stage 2 level 0 may only draw codes 0 and 1; stage 1 never draws semantic ids 0..9
    const probe = await writeDebugBundle(join(dir, 'suppress-probe'));
    const sizes = await V2Meow.fromPretrained(probe).then((m) => {
      const out = {
        codebook: m.parts.stage2.config.codebookSize,
        semantic: m.parts.stage1.config.semanticVocabularySize,
      };
      m.dispose();
      return out;
    });
    const level0 = Array.from({ length: sizes.codebook - 2 }, (_, i) => i + 2);
    const semanticIds = Array.from({ length: 10 }, (_, i) => i);
    const bundle = await writeDebugBundle(join(dir, 'suppress'), {
      generation: {
        sampling: { stage1: { suppress: semanticIds }, stage2: { suppressPerLevel: [level0, []] } },
      },
    });
    const model = await V2Meow.fromPretrained(bundle);
    try {
      const result = await model.generate({ text: 'epic strings', seconds: 1, seed: 3, candidates: 2 });
      for (const c of result.candidates) {
        const frames = c.coarse.shape[1]!;
        const first = Array.from(c.coarse.data.subarray(0, frames));
        assert.ok(
          first.every((code) => code === 0 || code === 1),
          `level 0: ${first.join(',')}`,
        );
        // level 1 is not restricted: a random debug model draws many codes there
        assert.ok(new Set(c.coarse.data.subarray(frames, 2 * frames)).size > 2);
        assert.ok(Array.from(c.semantic.data).every((id) => id >= 10));
      }
    } finally {
      model.dispose();
    }
    const outOfRange = await writeDebugBundle(join(dir, 'suppress-bad'));
    const manifestPath = join(outOfRange, 'bundle.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const withCodes = (sampling: unknown) =>
      writeFileSync(manifestPath, JSON.stringify({ ...manifest, generation: { sampling } }));
    withCodes({ stage2: { suppressPerLevel: [[sizes.codebook]] } });
    await assert.rejects(
      V2Meow.fromPretrained(outOfRange),
      (e: unknown) =>
        e instanceof V2meowError &&
        e.code === 'SHAPE_MISMATCH' &&
        new RegExp(
          `suppressPerLevel\\[0\\] ${sizes.codebook} \\(the vocabulary has ${sizes.codebook}\\)`,
        ).test(e.message),
    );
    withCodes({ stage2: { suppressPerLevel: [[], [], [], [], [], [], [], [], [], [], [], [], [1]] } });
    await assert.rejects(V2Meow.fromPretrained(outOfRange), /lists 13 levels, stage2 writes \d+/);
    withCodes({ stage2: { suppressPerLevel: [[-1]] } });
    await assert.rejects(
      V2Meow.fromPretrained(outOfRange),
      (e: unknown) =>
        e instanceof V2meowError &&
        e.code === 'BAD_FORMAT' &&
        /suppressPerLevel: want a list/.test(e.message),
    );
  });

  test("a bundle's guidance scale is the default a request overrides; a bad one is refused", async () => {
    const guided = await V2Meow.fromPretrained(
      await writeDebugBundle(join(dir, 'guided'), { generation: { guidance: 8 } }),
    );
    const plain = await V2Meow.fromPretrained(await writeDebugBundle(join(dir, 'unguided')));
    try {
      const request = { text: 'epic strings', seconds: 0.6, seed: 4 } as const;
      const semantic = async (m: V2Meow, guidance?: number) =>
        Array.from((await m.generate({ ...request, guidance })).candidates[0]!.semantic.data);
      const byDefault = await semantic(guided);
      assert.deepEqual(byDefault, await semantic(plain, 8));
      assert.notDeepEqual(byDefault, await semantic(plain));
      assert.deepEqual(await semantic(guided, 0), await semantic(plain, 0));
      // what the unconditional rows drop: the bundle's guidanceDrop, or the request's
      const dropsVideo = await V2Meow.fromPretrained(
        await writeDebugBundle(join(dir, 'guided-video'), {
          generation: { guidance: 8, guidanceDrop: 'video' },
        }),
      );
      try {
        const video = makeTestVideo(dir, 'guidance.mp4', 2);
        const withVideo = { video, text: 'rock', seconds: 0.6, seed: 4 } as const;
        const tokens = async (m: V2Meow, o: Partial<GenerateRequest> = {}) =>
          Array.from((await m.generate({ ...withVideo, ...o })).candidates[0]!.semantic.data);
        const byBundle = await tokens(dropsVideo);
        assert.deepEqual(byBundle, await tokens(dropsVideo, { guidanceDrop: 'video' }));
        await assert.rejects(
          plain.generate({ ...withVideo, guidanceDrop: 'text' as never }),
          /guidanceDrop must be video, style or all/,
        );
      } finally {
        dropsVideo.dispose();
      }
    } finally {
      guided.dispose();
      plain.dispose();
    }
    const bad = await writeDebugBundle(join(dir, 'bad-guidance'));
    const manifestPath = join(bad, 'bundle.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, generation: { guidance: -1 } }));
    await assert.rejects(V2Meow.fromPretrained(bad), /generation\.guidance -1: a number from 0 to 20/);
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, generation: { guidanceDrop: 'text' } }));
    await assert.rejects(V2Meow.fromPretrained(bad), /generation\.guidanceDrop "text": video, style or all/);
  });

  test('a bundle without stage 3 decodes the coarse levels alone, and must say so', async () => {
    const bundle = await writeDebugBundle(join(dir, 'no-stage3'), {
      noStage3: true,
      generation: { decodeLevels: 2 },
    });
    const model = await V2Meow.fromPretrained(bundle);
    try {
      assert.equal(model.parts.stage3, null);
      const result = await model.generate({ text: 'epic strings', seconds: 0.6 });
      assert.deepEqual(result.candidates[0]!.fine.shape, [0, 30]);
      assert.equal(result.candidates[0]!.waveform.length, 9600);
      await assert.rejects(
        model.generate({ text: 'epic strings', seconds: 0.6, decodeLevels: 3 }),
        /decode levels 3: a whole number from 1 to 2/,
      );
    } finally {
      model.dispose();
    }
    const unsaid = await writeDebugBundle(join(dir, 'no-stage3-unsaid'), { noStage3: true });
    await assert.rejects(
      V2Meow.fromPretrained(unsaid),
      (e: unknown) =>
        e instanceof V2meowError && e.code === 'MODEL_MISSING' && /has no stage 3/.test(e.message),
    );
  });

  test('a bundle whose parts do not fit is refused, naming bundle.json and the mismatch', async () => {
    const bundle = await writeDebugBundle(join(dir, 'misfit'), { misfit: true });
    const before = liveTensorCount();
    await assert.rejects(
      V2Meow.fromPretrained(bundle),
      (e: unknown) =>
        e instanceof V2meowError &&
        e.code === 'SHAPE_MISMATCH' &&
        e.message.includes(join(bundle, 'bundle.json')) &&
        /stage3 codebook size is 32, expected 64/.test(e.message),
    );
    assert.equal(liveTensorCount(), before);
  });
});
