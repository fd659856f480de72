// nn blocks: state dicts and model files, KV-cached decoding against the full forward, relative position
// buckets, and a tiny Transformer that must learn to reverse sequences.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import {
  AdamW,
  cat,
  clipGradNorm,
  liveTensorCount,
  loadModelWeights,
  manualSeed,
  nn,
  noGrad,
  randint,
  readModelInfo,
  saveModel,
  type Tensor,
  tidy,
  warmupCosine,
} from '../../src/torch/index.js';
import { Seq2Seq, type Seq2SeqConfig } from './seq2seq.js';

const tiny: Seq2SeqConfig = {
  vocabSize: 12,
  dModel: 64,
  numHeads: 4,
  numLayers: 2,
  dFeedForward: 128,
  dropout: 0,
  relativeBuckets: 16,
  relativeMaxDistance: 32,
};

test('save -> load gives bit-identical parameters; the file carries kind, version and config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'v2m-nn-'));
  try {
    manualSeed(1);
    const a = new Seq2Seq(tiny);
    const path = join(dir, 'model.safetensors');
    saveModel(path, a, { kind: 'seq2seq', config: tiny, extra: { steps: 3 } });
    const info = readModelInfo<Seq2SeqConfig>(path, 'seq2seq');
    assert.deepEqual(info.config, tiny);
    assert.deepEqual(info.extra, { steps: 3 });
    manualSeed(2);
    const b = new Seq2Seq(info.config);
    loadModelWeights(path, b);
    const sa = a.stateDict();
    for (const [name, t] of b.stateDict()) {
      assert.deepEqual(Buffer.from(t.data().buffer), Buffer.from(sa.get(name)!.data().buffer), name);
    }
    assert.ok(a.numParameters() > 50_000);
    // wrong kind, wrong shapes, corrupt file, other version: clear errors, model untouched
    assert.throws(() => readModelInfo(path, 'codec'), /holds a 'seq2seq' model, expected 'codec'/);
    const wide = new Seq2Seq({ ...tiny, dModel: 32, dFeedForward: 64 });
    const before = wide.stateDict().get('head.weight')!.toArray();
    assert.throws(
      () => loadModelWeights(path, wide),
      (e: unknown) =>
        e instanceof V2meowError &&
        e.code === 'SHAPE_MISMATCH' &&
        /embed.weight: shape \[12,64\] in file, \[12,32\] in model/.test(e.message),
    );
    assert.deepEqual(wide.stateDict().get('head.weight')!.toArray(), before);
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 100));
    assert.throws(
      () => loadModelWeights(join(dir, 'cut.safetensors'), b),
      /lies outside the file \(truncated\?\)/,
    );
    writeFileSync(join(dir, 'junk.safetensors'), 'hello');
    assert.throws(() => readModelInfo(join(dir, 'junk.safetensors')), /not a safetensors file/);
    const text = bytes.toString('latin1').replace('"formatVersion":"1"', '"formatVersion":"9"');
    writeFileSync(join(dir, 'v9.safetensors'), Buffer.from(text, 'latin1'));
    assert.throws(
      () => readModelInfo(join(dir, 'v9.safetensors')),
      (e: unknown) => e instanceof V2meowError && e.code === 'VERSION_MISMATCH',
    );
    for (const m of [a, b, wide]) m.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('decoding with a KV cache gives the same logits as the full causal forward', () => {
  manualSeed(3);
  const model = new Seq2Seq(tiny).eval();
  tidy(() =>
    noGrad(() => {
      const source = randint(0, 12, [2, 5]);
      const inputs = randint(0, 12, [2, 6]);
      const memory = model.encode(source);
      const full = model.decode(memory, inputs);
      const cache = new nn.DecoderCache(tiny.numLayers, 6, 5);
      const steps: Tensor[] = [];
      for (let k = 0; k < 6; k++) steps.push(model.decode(memory, inputs.narrow(1, k, 1), cache));
      cache.dispose();
      const stepwise = cat(steps, 1);
      assert.ok(full.sub(stepwise).abs().max().item() < 1e-4);
    }),
  );
  model.dispose();
});

test('relative position buckets: exact near, log-spaced far, direction kept when bidirectional', () => {
  const bi = new nn.RelativePositionBias(2, true, 32, 128);
  const causal = new nn.RelativePositionBias(2, false, 32, 128);
  assert.equal(bi.bucket(0), 0);
  assert.equal(bi.bucket(-3), 3);
  assert.equal(bi.bucket(3), 16 + 3);
  assert.equal(bi.bucket(-1000), 15);
  assert.equal(causal.bucket(-5), 5);
  assert.equal(causal.bucket(5), 0);
  assert.equal(causal.bucket(-1000), 31);
  const buckets = Array.from({ length: 200 }, (_, d) => causal.bucket(-d));
  assert.ok(buckets.every((b, k) => k === 0 || b >= buckets[k - 1]!));
  assert.deepEqual(bi.forward(3, 4).shape, [1, 2, 3, 4]);
  bi.dispose();
  causal.dispose();
});

test('a tiny Transformer learns to reverse sequences (> 99% token accuracy)', () => {
  manualSeed(4);
  const length = 6;
  const bos = 10;
  const model = new Seq2Seq(tiny);
  const params = model.parameters();
  const optimizer = new AdamW(params, { lr: 5e-3, weightDecay: 0.01 });
  const schedule = warmupCosine({ peak: 5e-3, warmupSteps: 30, totalSteps: 800, floor: 5e-4 });
  const batch = () => {
    const source = randint(0, 10, [64, length]);
    const target = source.flip([1]);
    const inputs = cat([source.narrow(1, 0, 1).mul(0).add(bos), target.narrow(1, 0, length - 1)], 1);
    return { source, target, inputs };
  };
  let start = liveTensorCount();
  let loss = Number.NaN;
  for (let step = 0; step < 800; step++) {
    if (step === 1) start = liveTensorCount(); // after step 0: the position-bias index caches exist
    loss = tidy(() => {
      const { source, target, inputs } = batch();
      const l = model.loss(source, inputs, target);
      l.backward();
      clipGradNorm(params, 1);
      optimizer.stepWith(schedule(step));
      optimizer.zeroGrad();
      return l.item();
    });
  }
  assert.equal(liveTensorCount(), start);
  model.eval();
  const accuracy = tidy(() =>
    noGrad(() => {
      const source = randint(0, 10, [500, length]);
      const predicted = model.greedy(source, bos, length);
      return predicted
        .eq(source.flip([1]))
        .float()
        .mean()
        .item();
    }),
  );
  assert.ok(loss < 0.05, `final loss ${loss}`);
  assert.ok(accuracy > 0.99, `accuracy ${accuracy}`);
  optimizer.dispose();
  model.dispose();
});
