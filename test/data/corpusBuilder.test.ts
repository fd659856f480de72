// Corpus builder and reader on generated tones: split by file, PCM16 round trip, resume after an
// interruption, licenses, hold-out, bad input, and the reader's batch shapes and determinism.
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BuildCorpusOptions, buildCorpus } from '../../src/data/corpusBuilder.js';
import type { CorpusIndex } from '../../src/data/corpusFormat.js';
import { CorpusReader } from '../../src/data/corpusReader.js';
import { defaultDecoder } from '../../src/data/decode.js';
import { stagingDir } from '../../src/data/staging.js';
import type { V2meowError } from '../../src/errors.js';
import { encodeWav } from '../../src/media/index.js';

const sampleRateHz = 8000;
const segmentSeconds = 0.5;
const segmentSamples = sampleRateHz * segmentSeconds;

/** The tone stored in tone-<hz>.wav: 0.5 sin(2 pi hz t). */
function tone(hz: number, seconds: number): Float32Array {
  const samples = new Float32Array(Math.round(seconds * sampleRateHz));
  for (let i = 0; i < samples.length; i++) samples[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / sampleRateHz);
  return samples;
}

let root: string;
let tonesDir: string;
let moreDir: string;
let emptyDir: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'v2meow-corpus-'));
  tonesDir = join(root, 'tones');
  moreDir = join(root, 'more');
  emptyDir = join(root, 'empty');
  for (const dir of [tonesDir, moreDir, emptyDir]) mkdirSync(dir);
  for (let i = 0; i < 10; i++) {
    const hz = 200 + 50 * i;
    writeFileSync(
      join(tonesDir, `tone-${hz}.wav`),
      encodeWav(tone(hz, 2 + 0.3 * i), sampleRateHz, { format: 'float32' }),
    );
  }
  writeFileSync(join(tonesDir, 'LICENSE'), 'These tones are released under CC0.\n');
  writeFileSync(
    join(moreDir, 'tone-1000.wav'),
    encodeWav(tone(1000, 3), sampleRateHz, { format: 'float32' }),
  );
  writeFileSync(join(moreDir, 'tone-1000.LICENSE.txt'), 'tone-1000 by a test, CC BY 3.0\n');
  writeFileSync(join(moreDir, 'silence.wav'), encodeWav(new Float32Array(sampleRateHz * 2), sampleRateHz));
  writeFileSync(join(moreDir, 'broken.ogg'), 'this is not audio at all');
  writeFileSync(join(emptyDir, 'README.md'), 'nothing to see\n');
});

after(() => rmSync(root, { recursive: true, force: true }));

const options = (outDir: string, extra: Partial<BuildCorpusOptions> = {}): BuildCorpusOptions => ({
  sources: [tonesDir, moreDir],
  outDir,
  segmentSeconds,
  sampleRateHz,
  split: { train: 0.6, validation: 0.2, test: 0.2 },
  seed: 7,
  segmentsPerShard: 8,
  heldOut: [join(tonesDir, 'tone-650.wav')],
  ...extra,
});

const withoutDate = (index: CorpusIndex) => ({ ...index, createdAt: '' });
const shardBytes = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.pcm16'))
    .sort()
    .map((name) => [name, readFileSync(join(dir, name))] as const);

describe('buildCorpus', () => {
  let outDir: string;
  let index: CorpusIndex;

  before(async () => {
    outDir = join(root, 'out');
    index = await buildCorpus(options(outDir));
  });

  test('records sources, splits by file, hold-out, skipped and silent files', () => {
    assert.equal(index.sources.length, 11); // 9 tones (one held out) + tone-1000 + silence
    assert.deepEqual(index.heldOut, ['tones/tone-650.wav']);
    assert.equal(index.skipped.length, 1);
    assert.equal(index.skipped[0]!.path, 'more/broken.ogg');
    assert.match(index.skipped[0]!.reason, /^(not a media file|truncated or corrupt)/);
    const silence = index.sources.find((source) => source.path === 'more/silence.wav')!;
    assert.equal(silence.numSegments, 0);
    assert.equal(silence.numSilentSegments, 4);
    const tone200 = index.sources.find((source) => source.path === 'tones/tone-200.wav')!;
    assert.equal(tone200.numSegments, 4); // 2 s / 0.5 s
    assert.equal(tone200.durationSeconds, 2);
    // Every segment of a source is in shards of that source's split.
    for (const shard of index.shards)
      for (const segment of shard.segments) assert.equal(index.sources[segment.source]!.split, shard.split);
    const splits = new Set(index.sources.filter((s) => s.numSegments > 0).map((source) => source.split));
    assert.ok(splits.size >= 2, `sources spread over splits: ${[...splits]}`);
    const total = index.shards.reduce((sum, shard) => sum + shard.numSegments, 0);
    assert.equal(total, index.totals.segments.all);
    assert.equal(index.totals.hours.all, Math.round(((total * segmentSeconds) / 3600) * 10000) / 10000);
    assert.ok(index.shards.every((shard) => shard.numSegments <= 8));
    assert.equal(index.totals.bySource.tones!.files, 9);
  });

  test('records the license of every source file', () => {
    const licenseOf = (path: string) => {
      const id = index.sources.find((source) => source.path === path)!.licenseId;
      return id === null ? undefined : index.licenses[id]!;
    };
    assert.equal(licenseOf('tones/tone-200.wav')!.kind, 'folder');
    assert.deepEqual(licenseOf('tones/tone-200.wav')!.names, ['CC0']);
    assert.equal(licenseOf('more/tone-1000.wav')!.kind, 'sibling');
    assert.deepEqual(licenseOf('more/tone-1000.wav')!.names, ['CC-BY-3.0']);
    assert.equal(licenseOf('more/silence.wav'), undefined);
    const copy = readFileSync(join(outDir, licenseOf('more/tone-1000.wav')!.copy), 'utf8');
    assert.match(copy, /CC BY 3\.0/);
  });

  test('shards round-trip the source samples within 1/32768', () => {
    const reader = CorpusReader.open(outDir);
    const out = new Float32Array(segmentSamples);
    let checked = 0;
    for (const split of ['train', 'validation', 'test'] as const)
      for (const location of reader.segments(split)) {
        const source = index.sources[location.source]!;
        const hz = Number(/tone-(\d+)/.exec(source.path)![1]);
        const expected = tone(hz, 10).subarray(Math.round(location.offsetSeconds * sampleRateHz));
        reader.readSegmentInto(location, out);
        for (let i = 0; i < segmentSamples; i++)
          assert.ok(Math.abs(out[i]! - expected[i]!) <= 1 / 32768 + 1e-7);
        checked++;
      }
    reader.close();
    assert.equal(checked, index.totals.segments.all);
    assert.equal(readdirSync(outDir).includes('.staging'), false);
  });

  test('is deterministic: same seed, same shards and index; another seed, another split', async () => {
    const again = await buildCorpus(options(join(root, 'again')));
    assert.deepEqual(withoutDate(again), withoutDate(index));
    assert.deepEqual(shardBytes(join(root, 'again')), shardBytes(outDir));
    const reseeded = await buildCorpus(options(join(root, 'reseeded'), { seed: 8 }));
    assert.notDeepEqual(
      reseeded.sources.map((source) => source.split),
      index.sources.map((source) => source.split),
    );
  });

  test('resumes an interrupted build without decoding finished sources again', async () => {
    const resumedDir = join(root, 'resumed');
    const controller = new AbortController();
    let finished = 0;
    await assert.rejects(
      buildCorpus(
        options(resumedDir, {
          jobs: 1,
          signal: controller.signal,
          onProgress: (event) => {
            if (event.kind === 'source' && ++finished === 4) controller.abort();
          },
        }),
      ),
      (error: Error) => error.name === 'AbortError',
    );
    assert.equal(readdirSync(stagingDir(resumedDir)).filter((name) => name.endsWith('.json')).length, 5); // 4 + settings
    const decoded: string[] = [];
    const statuses: string[] = [];
    const resumed = await buildCorpus(
      options(resumedDir, {
        decode: (path, rate) => {
          decoded.push(path);
          return defaultDecoder(path, rate);
        },
        onProgress: (event) => {
          if (event.kind === 'source') statuses.push(event.status);
        },
      }),
    );
    assert.equal(decoded.length, 12 - 4);
    assert.equal(statuses.filter((status) => status === 'resumed').length, 4);
    assert.deepEqual(withoutDate(resumed), withoutDate(index));
    assert.deepEqual(shardBytes(resumedDir), shardBytes(outDir));
  });

  test('reader batches have shape [B, samples], are deterministic per seed and cover each epoch', () => {
    const reader = CorpusReader.open(outDir);
    const take = (seed: number, count: number, cropSamples?: number) => {
      const iterator = reader.batches('train', { batchSize: 3, seed, cropSamples });
      return Array.from({ length: count }, () => iterator.next().value);
    };
    const first = take(1, 4);
    assert.equal(first[0]!.samples.length, 3 * segmentSamples);
    assert.equal(first[0]!.batchSize, 3);
    assert.equal(first[0]!.numSamples, segmentSamples);
    assert.deepEqual(take(1, 4), first);
    assert.notDeepEqual(take(2, 4), first);
    const cropped = take(1, 2, 1000);
    assert.equal(cropped[0]!.samples.length, 3000);
    assert.ok(
      cropped.every((batch) => batch.rows.every((row) => row.cropStart >= 0 && row.cropStart <= 3000)),
    );
    // One epoch visits every train segment once.
    const numTrain = reader.segments('train').length;
    const iterator = reader.batches('train', { batchSize: 1, seed: 3 });
    const seen = Array.from({ length: numTrain }, () => {
      const row = iterator.next().value.rows[0]!;
      return `${row.shard}:${row.slot}`;
    });
    assert.equal(new Set(seen).size, numTrain);
    const passed = [...reader.pass('train', 5)].reduce((sum, batch) => sum + batch.batchSize, 0);
    assert.equal(passed, numTrain);
    reader.close();
  });

  test('a truncated shard is rejected when the corpus is opened', async () => {
    const dir = join(root, 'truncated');
    await buildCorpus(options(dir));
    truncateSync(join(dir, 'train-00000.pcm16'), 100);
    assert.throws(
      () => CorpusReader.open(dir),
      (error: V2meowError) => error.code === 'BAD_FORMAT' && error.message.includes('train-00000'),
    );
  });
});

describe('buildCorpus bad input', () => {
  test('an empty source folder is skipped with a warning and recorded', async () => {
    const warnings: string[] = [];
    const index = await buildCorpus(
      options(join(root, 'with-empty'), {
        sources: [emptyDir, moreDir],
        onProgress: (event) => {
          if (event.kind === 'warning') warnings.push(event.message);
        },
      }),
    );
    assert.deepEqual(index.emptyFolders, [emptyDir]);
    assert.ok(warnings.some((warning) => warning.includes(emptyDir)));
    assert.ok(warnings.some((warning) => warning.includes('broken.ogg')));
  });

  test('only empty or unreadable sources give EMPTY_CORPUS', async () => {
    await assert.rejects(
      buildCorpus(options(join(root, 'nothing'), { sources: [emptyDir], heldOut: [] })),
      (error: V2meowError) => error.code === 'EMPTY_CORPUS',
    );
  });

  test('an output path that cannot be a folder gives NOT_WRITABLE naming it', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'x');
    await assert.rejects(
      buildCorpus(options(join(blocker, 'corpus'))),
      (error: V2meowError) => error.code === 'NOT_WRITABLE' && error.message.includes(blocker),
    );
  });

  test('a missing source folder or hold-out path gives FILE_NOT_FOUND', async () => {
    await assert.rejects(
      buildCorpus(options(join(root, 'x'), { sources: [join(root, 'nope')] })),
      (error: V2meowError) => error.code === 'FILE_NOT_FOUND' && error.message.includes('nope'),
    );
    await assert.rejects(
      buildCorpus(options(join(root, 'x'), { heldOut: [join(root, 'missing.ogg')] })),
      (error: V2meowError) => error.code === 'FILE_NOT_FOUND',
    );
  });
});
