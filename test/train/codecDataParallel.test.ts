// `v2meow codec train --nproc 2` end to end (debug preset, a small generated corpus, c10d/Gloo on 127.0.0.1):
// two workers train with the global batch split between them and only rank 0 writes; the run then resumes
// with one process at the saved step and logs every step once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCodec } from '../../src/codec/soundstream.js';
import { readLog } from '../../src/train/codecLog.js';
import { buildToneCorpus } from '../codec/toneCorpus.js';
import { repoRoot, slow } from '../helpers.js';

const cli = join(repoRoot, 'bin', 'v2meow.js');

function train(args: string[]) {
  return spawnSync(process.execPath, [cli, 'codec', 'train', ...args], {
    encoding: 'utf8',
    env: { ...process.env, V2MEOW_THREADS: '2' },
    timeout: 300_000,
  });
}

describe('codec training on two processes', slow, () => {
  test('--nproc 2 trains and checkpoints from rank 0 only; --nproc 1 resumes at the saved step', async () => {
    const root = mkdtempSync(join(tmpdir(), 'v2meow-codec-dp-'));
    const corpus = await buildToneCorpus(root, {
      folder: 'tones',
      prefix: 'tone',
      count: 8,
      sample: (k, i) => {
        const hz = 150 * 2 ** (k / 4);
        return 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000);
      },
      seed: 5,
    });
    const out = join(root, 'run');
    const common = [
      ...['--corpus', corpus, '--out', out, '--preset', 'debug', '--batch', '4', '--crop-seconds', '0.5'],
      ...[
        '--kmeans-segments',
        '8',
        '--kmeans-iterations',
        '2',
        '--validate-every',
        '2',
        '--no-validate-yamnet',
      ],
      ...['--musicnn', '0', '--dist-timeout', '120'],
    ];
    const odd = train([...common, '--nproc', '3', '--max-steps', '1']);
    assert.equal(odd.status, 2, odd.stderr);
    assert.match(odd.stderr, /--batch 4 does not split evenly over 3 processes/);
    assert.ok(!existsSync(out), 'nothing written before the options were checked');

    const pair = train([...common, '--nproc', '2', '--max-steps', '3']);
    assert.equal(pair.status, 0, pair.stderr);
    assert.match(pair.stderr, /launching 2 workers \(ranks 0\.\.1 of 2\), master 127\.0\.0\.1:\d+/);
    assert.equal(pair.stderr.match(/training stopped at step 3/g)?.length, 1, 'only rank 0 reports');
    assert.deepEqual(
      readLog(join(out, 'log.jsonl')).map((r) => r.step),
      [1, 2, 3],
    );
    const saved = loadCodec(join(out, 'checkpoint.safetensors'));
    assert.equal(saved.provenance.steps, 3);
    saved.codec.dispose();
    for (const t of saved.rest.values()) t.dispose();

    const alone = train([...common, '--max-steps', '5']);
    assert.equal(alone.status, 0, alone.stderr);
    assert.match(alone.stderr, /resumed from .* at step 3/);
    const records = readLog(join(out, 'log.jsonl'));
    assert.deepEqual(
      records.map((r) => r.step),
      [1, 2, 3, 4, 5],
    );
    assert.ok(records.every((r) => Number.isFinite(r.loss) && Number.isFinite(r.gradNorm)));
  });
});
