// Stage-specific behaviour beyond the conformance table: stage 1's conditions (absent streams, dropped style
// and video, training dropout, guidance), stage 2's video guidance, and the acoustic decoder's teacher-forced
// targets, which are the same (frame, level, token) set in the flattened and delay layouts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcousticDecoder } from '../../src/models/acoustic.js';
import type { StreamSpec } from '../../src/models/common.js';
import { Stage1, stage1Config } from '../../src/models/stage1.js';
import { Stage2, stage2Config } from '../../src/models/stage2.js';
import {
  liveTensorCount,
  manualSeed,
  noGrad,
  randint,
  randn,
  type Tensor,
  tidy,
} from '../../src/torch/index.js';

const streams: StreamSpec[] = [
  { name: 'curves', kind: 'dense', dim: 6, rateHz: 25 },
  { name: 'tokens', kind: 'tokens', dim: 3, vocabularySize: 8, rateHz: 5 },
];
const same = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item() < 1e-6;

test('stage 1: dropped style / video and missing streams use their absent embeddings, whatever the inputs', () => {
  manualSeed(0);
  const m = new Stage1(stage1Config('debug', { streams, dropout: 0 })).eval();
  noGrad(() =>
    tidy(() => {
      const a = { curves: randn([2, 10, 6]), tokens: randint(0, 8, [2, 2, 3]).float() };
      const b = { curves: randn([2, 10, 6]), tokens: randint(0, 8, [2, 2, 3]).float() };
      const [sa, sb] = [randn([2, 100]), randn([2, 100])];
      const off = [false, false];
      // conditioned: the inputs matter
      assert.ok(
        !same(m.encode({ streams: a, style: sa }, 2, 10), m.encode({ streams: b, style: sb }, 2, 10)),
      );
      // both dropped: nothing of the inputs is left
      const dropAll = (s: typeof a, st: Tensor) =>
        m.encode({ streams: s, style: st, videoPresent: off, stylePresent: off }, 2, 10);
      assert.ok(same(dropAll(a, sa), dropAll(b, sb)));
      assert.ok(same(dropAll(a, sa), m.encode({ videoPresent: off }, 2, 10)));
      // style dropped only: the style token is the same, the timeline differs
      const styleOff = (st: Tensor) => m.encode({ streams: a, style: st, stylePresent: off }, 2, 10);
      assert.ok(same(styleOff(sa), styleOff(sb)));
      assert.ok(same(styleOff(sa), m.encode({ streams: a }, 2, 10)));
      // a stream marked absent in row 0 only: row 1 still reads it
      const partly = (t: Tensor) =>
        m.encode(
          { streams: { curves: a.curves, tokens: t }, style: sa, present: { tokens: [false, true] } },
          2,
          10,
        );
      const [pa, pb] = [partly(a.tokens), partly(b.tokens)];
      assert.ok(same(pa.narrow(0, 0, 1), pb.narrow(0, 0, 1)));
      assert.ok(!same(pa.narrow(0, 1, 1), pb.narrow(0, 1, 1)));
    }),
  );
  m.dispose();
});

test('stage 1: training dropout of probability 1 makes the loss independent of the conditions', () => {
  manualSeed(0);
  const m = new Stage1(
    stage1Config('debug', { streams, dropout: 0, styleDropout: 1, videoDropout: 1 }),
  ).train();
  tidy(() => {
    const semantic = randint(0, 256, [2, 10]);
    const loss = (seed: number) =>
      m.forward({ semantic, streams: { curves: randn([2, 10, 6]) }, style: randn([2, 100]) }).loss.item() +
      seed * 0;
    assert.equal(loss(1), loss(2));
  });
  m.dispose();
});

test('stage 1 and stage 2 (encoder-decoder): guidance decodes 2N rows in one batch, N candidates out', () => {
  manualSeed(0);
  const s1 = new Stage1(stage1Config('debug', { streams, maxTokens: 16 }));
  const s2 = new Stage2(stage2Config('debug', { architecture: 'encoderDecoder', streams, maxFrames: 16 }));
  const run = () =>
    tidy(() => {
      const c = { streams: { curves: randn([2, 8, 6]) }, style: randn([2, 100]) };
      const a = s1.generate(c, { numTokens: 4, guidanceScale: 3, candidates: 2, seed: 1 });
      assert.deepEqual(a.shape, [4, 4]);
      for (const drop of ['style', 'video'] as const) {
        assert.deepEqual(
          s1.generate(c, { numTokens: 3, guidanceScale: 2, guidanceDrop: drop }).shape,
          [2, 3],
        );
      }
      const b = s2.generate({ semantic: randint(0, 256, [2, 4]), ...c }, { numFrames: 6, guidanceScale: 3 });
      assert.deepEqual(b.shape, [2, 4, 6]);
      assert.ok(b.toArray().every((v) => v >= 0 && v < 1024));
    });
  run();
  const before = liveTensorCount();
  run();
  assert.equal(liveTensorCount(), before);
  const decoderOnly = new Stage2(stage2Config('debug'));
  assert.throws(
    () => tidy(() => decoderOnly.generate({ semantic: randint(0, 256, [1, 4]) }, { guidanceScale: 2 })),
    /stage 2 has no condition that guidance dropping 'all' drops/,
  );
  for (const m of [s1, s2, decoderOnly]) m.dispose();
});

test('stage 1 and 2 continue a prompt: the prompt is not repeated, the length is what was asked', () => {
  manualSeed(0);
  const s1 = new Stage1(stage1Config('debug', { streams, maxTokens: 16 }));
  const s2 = new Stage2(stage2Config('debug', { maxFrames: 16 }));
  tidy(() => {
    const prompt = randint(0, 256, [1, 5]);
    assert.deepEqual(
      s1.generate({ style: randn([1, 100]) }, { numTokens: 3, prompt, candidates: 2 }).shape,
      [2, 3],
    );
    assert.throws(() => s1.generate({ style: randn([1, 100]) }, { numTokens: 12, prompt }), /at most 16/);
    const coarse = randint(0, 1024, [1, 4, 4]);
    const out = s2.generate({ semantic: randint(0, 256, [1, 5]) }, { prompt: coarse });
    assert.deepEqual(out.shape, [1, 4, 6]);
  });
  s1.dispose();
  s2.dispose();
});

test('acoustic decoder: flattened and delay teacher targets are the same (frame, level, token) set', () => {
  tidy(() => {
    const codes = randint(0, 1024, [2, 12, 9]);
    const data = codes.toArray();
    const truth = new Set<string>();
    for (let b = 0; b < 2; b++)
      for (let k = 0; k < 4; k++)
        for (let f = 0; f < 9; f++) truth.add(`${b},${f},${k},${data[(b * 12 + k) * 9 + f]}`);
    const flat = new AcousticDecoder('flattened', 4, 1024, 8);
    const delay = new AcousticDecoder('delay', 4, 1024, 8);
    const ft = flat.teacher(codes).targets.toArray(); // [2, 36] offset ids
    const fromFlat = new Set(
      ft.map((id, i) => {
        const [b, s] = [Math.floor(i / 36), i % 36];
        return `${b},${Math.floor(s / 4)},${s % 4},${id - (s % 4) * 1024}`;
      }),
    );
    const dt = delay.teacher(codes).targets.toArray(); // [2, 12, 4], -100 at pads
    const fromDelay = new Set<string>();
    dt.forEach((token, i) => {
      if (token === -100) return;
      const [b, step, k] = [Math.floor(i / 48), Math.floor(i / 4) % 12, i % 4];
      fromDelay.add(`${b},${step - k},${k},${token}`);
    });
    assert.deepEqual([...fromFlat].sort(), [...truth].sort());
    assert.deepEqual([...fromDelay].sort(), [...truth].sort());
    flat.dispose();
    delay.dispose();
  });
});
