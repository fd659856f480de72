// `v2meow codec encode|decode|eval` end to end with a saved debug codec, and a short training run (debug
// preset on the real corpus, when it is built) that checkpoints, logs, plots and resumes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createCodec, saveCodec } from '../../src/codec/soundstream.js';
import { readWav, writeWav } from '../../src/media/wav.js';
import { manualSeed } from '../../src/torch/index.js';
import { readLog } from '../../src/train/codecLog.js';
import { defaultCodecTrainOptions, trainCodec } from '../../src/train/codecTrain.js';
import { repoRoot, slow } from '../helpers.js';

const cli = join(repoRoot, 'bin', 'v2meow.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, V2MEOW_THREADS: '1' },
  });
}

describe('v2meow codec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'v2meow-codec-cli-'));
  const codecPath = join(dir, 'debug.safetensors');
  const wav = join(dir, 'tone.wav');

  test('encode -> .v2c -> decode -> WAV of the same length; bad input is a clear error', async () => {
    manualSeed(3);
    const codec = createCodec('debug');
    saveCodec(codecPath, codec, { note: 'test' });
    codec.dispose();
    await writeWav(
      wav,
      Float32Array.from({ length: 12000 }, (_, i) => 0.4 * Math.sin(i * 0.2)),
      16000,
    );
    const enc = run(['codec', 'encode', wav, '-o', join(dir, 'tone.v2c'), '--codec', codecPath]);
    assert.equal(enc.status, 0, enc.stderr);
    assert.match(enc.stderr, /4 x 38 tokens/);
    const dec = run([
      'codec',
      'decode',
      join(dir, 'tone.v2c'),
      '-o',
      join(dir, 'out.wav'),
      '--codec',
      codecPath,
      '--levels',
      '2',
    ]);
    assert.equal(dec.status, 0, dec.stderr);
    const out = readWav(join(dir, 'out.wav'));
    assert.equal(out.samples.length, 12000);
    assert.equal(out.sampleRateHz, 16000);
    const bad = run(['codec', 'decode', wav, '-o', join(dir, 'x.wav'), '--codec', codecPath]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /tone\.wav: not a valid \.v2c token file/);
    assert.ok(!existsSync(join(dir, 'x.wav')));
  });

  test('eval --json: mean and clips keyed by system with the four metrics', () => {
    const res = run(['codec', 'eval', wav, '--codec', codecPath, '--json', '--no-lyra', '--no-yamnet']);
    assert.equal(res.status, 0, res.stderr);
    const report = JSON.parse(res.stdout);
    assert.deepEqual(Object.keys(report.mean).sort(), ['opus:1.2kbps', 'v2meow:4']);
    for (const key of ['melL1', 'lsd', 'siSdr', 'yamnetCos']) assert.ok(key in report.mean['v2meow:4'], key);
    assert.ok(Number.isFinite(report.clips[wav]['opus:1.2kbps'].melL1));
  });
});

describe('codec training (debug preset)', slow, () => {
  const corpus = join(repoRoot, 'data', 'corpus');
  test('trains a few steps, checkpoints, logs, plots, and resumes at the saved step', {
    skip: !existsSync(join(corpus, 'index.json')) && 'corpus not built',
  }, async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'v2meow-codec-train-'));
    const options = {
      ...defaultCodecTrainOptions,
      corpusDir: corpus,
      outDir,
      preset: 'debug' as const,
      fromLyra: false,
      batchSize: 2,
      decoderOnlySteps: 1,
      validateEvery: 2,
      validationSegments: 2,
      kmeansSegments: 8,
      kmeansIterations: 2,
      log: () => {},
    };
    assert.equal(await trainCodec({ ...options, maxSteps: 3 }), 3);
    for (const f of ['checkpoint.safetensors', 'best.safetensors', 'log.jsonl', 'loss.png'])
      assert.ok(existsSync(join(outDir, f)), f);
    assert.equal(await trainCodec({ ...options, maxSteps: 5 }), 5);
    const records = readLog(join(outDir, 'log.jsonl'));
    assert.deepEqual(
      records.map((r) => r.step),
      [1, 2, 3, 4, 5],
    );
    assert.ok(records.every((r) => Number.isFinite(r.loss) && r.distinctCodes > 0 && r.latentStd > 0));
    assert.ok(records[1]!.validationMel && '4' in records[1]!.validationMel);
    assert.ok(readFileSync(join(outDir, 'loss.png')).subarray(1, 4).toString() === 'PNG');
  });
});
