// `v2meow codec encode|decode|eval` end to end with a saved debug codec, and a short training run (debug
// preset on a small generated corpus) that checkpoints, logs, plots and resumes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createCodec, loadCodec, saveCodec } from '../../src/codec/soundstream.js';
import { readWav, writeWav } from '../../src/media/wav.js';
import { manualSeed } from '../../src/torch/index.js';
import { readLog } from '../../src/train/codecLog.js';
import { defaultCodecTrainOptions, trainCodec } from '../../src/train/codecTrain.js';
import { repoRoot, slow } from '../helpers.js';
import { buildToneCorpus } from './toneCorpus.js';

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
    // number options are checked before any work: the flag, the rule and the value are named
    const tone = join(dir, 'tone.v2c');
    const levels = run([
      'codec',
      'decode',
      tone,
      '-o',
      join(dir, 'y.wav'),
      '--codec',
      codecPath,
      '--levels',
      '5',
    ]);
    assert.notEqual(levels.status, 0);
    assert.match(levels.stderr, /--levels wants a whole number >= 1 and <= 4, got '5'/);
    assert.ok(!existsSync(join(dir, 'y.wav')));
    const lr = run(['codec', 'train', '--corpus', dir, '--out', join(dir, 'run'), '--lr', '0']);
    assert.notEqual(lr.status, 0);
    assert.match(lr.stderr, /--lr wants a number > 0 and <= 1, got '0'/);
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
  test('trains a few steps, checkpoints, logs, plots, resumes at the saved step, exports, and stops cleanly on SIGTERM', async () => {
    // A small corpus of 16 kHz chords.
    const root = mkdtempSync(join(tmpdir(), 'v2meow-codec-train-'));
    const corpus = await buildToneCorpus(root, {
      folder: 'chords',
      prefix: 'chord',
      count: 10,
      sample: (k, i) => {
        const hz = 110 * 2 ** (k / 5);
        return (
          0.3 * Math.sin((2 * Math.PI * hz * i) / 16000) + 0.2 * Math.sin((3 * Math.PI * hz * i) / 16000)
        );
      },
      seed: 7,
    });
    const outDir = join(root, 'run');
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
    // YAMNet cosine at all levels on the validating steps (1, 2, 4), nowhere else
    const cos = records.map((r) => r.validationYamnetCos);
    assert.deepEqual(
      cos.map((c) => c !== undefined),
      [true, true, false, true, false],
    );
    assert.ok(
      cos.every((c) => c === undefined || (c > -1 && c < 1 && c !== 0)),
      String(cos),
    );
    assert.ok(readFileSync(join(outDir, 'loss.png')).subarray(1, 4).toString() === 'PNG');

    const weights = join(root, 'weights');
    mkdirSync(weights);
    const res = run([
      'codec',
      'export',
      join(outDir, 'checkpoint.safetensors'),
      '-o',
      weights,
      '--corpus',
      corpus,
    ]);
    assert.equal(res.status, 0, res.stderr);
    const record = JSON.parse(readFileSync(join(weights, 'codec.json'), 'utf8'));
    assert.equal(record.steps, 5);
    assert.equal(record.recipe.batchSize, 2);
    assert.deepEqual(record.corpus.licenses, ['CC0']);
    assert.ok(record.corpus.hours.train > 0);
    assert.equal(readLog(join(weights, 'train-log.jsonl')).length, 5);
    assert.ok(existsSync(join(weights, 'loss.png')));
    const exported = loadCodec(join(weights, 'codec.safetensors'));
    assert.equal(exported.rest.size, 0, 'the exported codec carries no optimizer state');
    assert.equal(exported.provenance.steps, 5);
    exported.codec.dispose();

    // SIGTERM mid-run: the CLI finishes the step, checkpoints at it, draws the plot and exits 0.
    const signalled = join(root, 'signalled');
    const child = spawn(
      process.execPath,
      [
        ...[cli, 'codec', 'train', '--corpus', corpus, '--out', signalled, '--preset', 'debug'],
        ...['--batch', '2', '--kmeans-segments', '8', '--kmeans-iterations', '2', '--validate-every', '2'],
      ],
      { env: { ...process.env, V2MEOW_THREADS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    while (child.exitCode === null && readLog(join(signalled, 'log.jsonl')).length < 3)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM: stopping after this step/);
    const last = readLog(join(signalled, 'log.jsonl')).at(-1)!.step;
    const saved = loadCodec(join(signalled, 'checkpoint.safetensors'));
    assert.equal(saved.provenance.steps, last);
    saved.codec.dispose();
    for (const t of saved.rest.values()) t.dispose();
    assert.ok(existsSync(join(signalled, 'loss.png')));
    rmSync(root, { recursive: true, force: true });
  });
});
