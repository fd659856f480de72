// The V2Meow training-set builder and reader (issue 11, part 5) on generated media with fake featurizers that
// encode time in their values: examples and index, the content-hash cache (a second build does no work),
// resuming after the builder is killed or a featurizer fails (same bytes as one clean run), unreadable files
// skipped by name, worker processes, split determinism, `dataset info`, and the reader's aligned windows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../src/cli/command.js';
import { datasetCommand } from '../../src/cli/commands/dataset.js';
import { assignSplit } from '../../src/data/split.js';
import { type BuildDatasetOptions, buildDataset } from '../../src/dataset/builder.js';
import { readDatasetIndex } from '../../src/dataset/format.js';
import { describeDataset } from '../../src/dataset/info.js';
import { PairDataset } from '../../src/dataset/reader.js';
import { loadPrototypes } from '../../src/encoders/stylePrototypes.js';
import type { V2meowError } from '../../src/errors.js';
import { curveNames } from '../../src/features/streams.js';
import { StylePrior } from '../../src/generate/stylePrior.js';
import { encodeWav } from '../../src/media/index.js';
import { fastH264, ffmpeg, lavfi, makeTestVideo } from '../media/fixtures.js';
import { FakeFeaturizer, fakeVisualRates } from './pairsFakes.js';

const rate = 16000;
let root: string;
let videosDir: string;
let musicDir: string;
let cleanDir: string;
const fakesModule = fileURLToPath(new URL('./pairsFakes.js', import.meta.url));
const killRun = fileURLToPath(new URL('./pairsKillRun.js', import.meta.url));
const bin = fileURLToPath(new URL('../../../bin/v2meow.js', import.meta.url));

function tone(hz: number, seconds: number, silentFromSec = Number.POSITIVE_INFINITY): Float32Array {
  const samples = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++)
    samples[i] = i / rate < silentFromSec ? 0.5 * Math.sin((2 * Math.PI * hz * i) / rate) : 0;
  return samples;
}

/** Relative path -> SHA-256 of every file under `dir` (the whole result of a build). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else
        out.set(
          rel,
          createHash('sha256')
            .update(readFileSync(join(dir, rel)))
            .digest('hex'),
        );
    }
  };
  walk('');
  return out;
}

const options = (outDir: string, more: Partial<BuildDatasetOptions> = {}): BuildDatasetOptions => ({
  outDir,
  videos: [`films=${videosDir}`],
  music: [`tones=${musicDir}`],
  featurizer: new FakeFeaturizer(),
  ...more,
});

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'v2meow-pairs-'));
  videosDir = join(root, 'videos');
  musicDir = join(root, 'music');
  mkdirSync(videosDir);
  mkdirSync(musicDir);
  makeTestVideo(videosDir, 'clip1.mp4', 12);
  makeTestVideo(videosDir, 'clip2.mp4', 9);
  ffmpeg([
    ...lavfi('testsrc2=size=64x48:rate=8:duration=3'),
    ...fastH264,
    join(videosDir, 'silent-film.mp4'),
  ]);
  writeFileSync(join(musicDir, 'tone-a.wav'), encodeWav(tone(330, 12.33), rate));
  writeFileSync(join(musicDir, 'tone-b.wav'), encodeWav(tone(440, 23.71), rate));
  writeFileSync(join(musicDir, 'tone-c.wav'), encodeWav(tone(550, 6.1), rate));
  writeFileSync(join(musicDir, 'half-silent.wav'), encodeWav(tone(660, 30, 10), rate));
  writeFileSync(join(musicDir, 'broken.ogg'), 'this is not audio at all');
  writeFileSync(join(musicDir, 'LICENSE'), 'These tones are released under CC0.\n');
  cleanDir = join(root, 'clean');
  await buildDataset(options(cleanDir));
});

after(() => rmSync(root, { recursive: true, force: true }));

describe('dataset build', () => {
  test('one example per readable file, on the timeline, with kinds, licences and skipped files named', () => {
    const index = readDatasetIndex(cleanDir);
    const keys = index.examples.map((e) => e.key);
    assert.deepEqual(keys, [
      'films/clip1.mp4',
      'films/clip2.mp4',
      'tones/half-silent.wav',
      'tones/tone-a.wav',
      'tones/tone-b.wav',
      'tones/tone-c.wav',
    ]);
    const byKey = new Map(index.examples.map((e) => [e.key, e]));
    assert.equal(byKey.get('films/clip1.mp4')!.kind, 'paired');
    assert.deepEqual(byKey.get('films/clip1.mp4')!.visualStreams, ['motion', 'semantic', 'tokens']);
    assert.equal(byKey.get('tones/tone-a.wav')!.kind, 'music');
    // 12.33 s = 197280 samples = 308 whole semantic frames (640 samples each) = 12.32 s.
    assert.equal(byKey.get('tones/tone-a.wav')!.numSemanticFrames, 308);
    assert.equal(byKey.get('tones/tone-a.wav')!.durationSec, 12.32);
    assert.deepEqual(
      index.skipped.map((s) => s.path),
      ['films/silent-film.mp4', 'tones/broken.ogg'],
    );
    assert.match(index.skipped[0]!.reason, /soundtrack/);
    const license = index.licenses[byKey.get('tones/tone-a.wav')!.licenseId!]!;
    assert.deepEqual(license.names, ['CC0']);
    assert.equal(readFileSync(join(cleanDir, license.copy), 'utf8'), 'These tones are released under CC0.\n');
    for (const e of index.examples)
      assert.equal(e.split, assignSplit(e.key, 0, { train: 0.8, validation: 0.2, test: 0 }));
    // No temporary file is left anywhere.
    assert.ok([...snapshot(cleanDir).keys()].every((path) => !path.includes('.tmp-')));
  });

  test('example tensors: shapes, dtypes and metadata', () => {
    const dataset = PairDataset.open(cleanDir);
    const record = dataset.index.examples.find((e) => e.key === 'films/clip1.mp4')!;
    const file = dataset.file(record);
    const S = record.numSemanticFrames;
    const shapes = Object.fromEntries([...file.tensors].map(([name, t]) => [name, `${t.dtype}[${t.shape}]`]));
    assert.deepEqual(shapes, {
      semantic: `I16[${S}]`,
      acoustic: `I16[12,${2 * S}]`,
      style: 'F32[100]',
      styleSegments: 'F32[1,100]',
      musicCurves: `F16[${S},6]`,
      videoCurves: `F16[${S},6]`,
      frameRmsDb: `F16[${2 * S}]`,
      'visual.motion': 'F16[96,3]',
      'visual.semantic': 'F16[12,4]',
      'visual.tokens': 'I16[24,2]',
    });
    const metadata = dataset.metadata(record);
    assert.equal(metadata.kind, 'paired');
    assert.equal(metadata.featurizers.visual, 'fake-visual-1');
    assert.equal(metadata.visualStreams.tokens?.vocabularySize, 16);
    // The test video's 440 Hz tone (ffmpeg's sine source, amplitude 1/8) sits at 20 log10(0.125 / sqrt 2) = -21.1 dB.
    const levels = file.read('frameRmsDb');
    assert.ok(Math.abs(levels[100]! - -21.1) < 0.5, `frame level ${levels[100]}`);
    dataset.close();
  });

  test('a second build does no work; an added file is the only one featurized; a new featurizer rebuilds', async () => {
    const dir = join(root, 'again');
    cpSync(cleanDir, dir, { recursive: true });
    const before = snapshot(dir);
    const fake = new FakeFeaturizer();
    const second = await buildDataset(options(dir, { featurizer: fake }));
    assert.equal(second.processed, 0);
    assert.equal(second.cached, 8);
    assert.equal(fake.calls, 0);
    assert.deepEqual(snapshot(dir), before);

    writeFileSync(join(musicDir, 'tone-d.wav'), encodeWav(tone(770, 5), rate));
    try {
      const fake2 = new FakeFeaturizer();
      const third = await buildDataset(options(dir, { featurizer: fake2 }));
      assert.equal(third.processed, 1);
      assert.equal(fake2.calls, 1);
      assert.equal(third.index.examples.length, 7);
    } finally {
      rmSync(join(musicDir, 'tone-d.wav'));
    }
    const v2 = new FakeFeaturizer({ version: 2 });
    const fourth = await buildDataset(options(dir, { featurizer: v2 }));
    assert.equal(fourth.processed, 8);
    assert.equal(fourth.removed, 9, 'the old examples and skip records (and tone-d) are removed');
    assert.equal(readDatasetIndex(dir).settings.featurizers.semantic, 'fake-semantic-2');
  });

  test('the builder killed mid-way (SIGKILL) and rerun gives the same bytes as one clean run', async () => {
    const dir = join(root, 'killed');
    const countDir = join(root, 'kill-count');
    const args = {
      outDir: dir,
      videos: [`films=${videosDir}`],
      music: [`tones=${musicDir}`],
      fake: { killAfter: 3, countDir },
    };
    const run = spawnSync(process.execPath, [killRun, JSON.stringify(args)], { encoding: 'utf8' });
    assert.equal(run.signal, 'SIGKILL', run.stderr);
    assert.equal(existsSync(join(dir, 'index.json')), false);
    // Killed on the 4th featurized file (tone-a): clip1, clip2, half-silent and the two unreadable files are done.
    const left = readdirSync(join(dir, 'examples'));
    assert.equal(left.filter((name) => name.endsWith('.safetensors')).length, 3);
    assert.equal(left.filter((name) => name.endsWith('.skipped.json')).length, 2);
    assert.equal(left.length, 5);
    await buildDataset(options(dir));
    assert.deepEqual(snapshot(dir), snapshot(cleanDir));
  });

  test('a featurizer failure stops the build naming the file; the rerun finishes as a clean run', async () => {
    const dir = join(root, 'failed');
    await assert.rejects(
      buildDataset(options(dir, { featurizer: new FakeFeaturizer({ throwAfter: 2 }) })),
      (error: V2meowError) => {
        assert.equal(error.code, 'FEATURIZE_FAILED');
        assert.match(error.message, /half-silent\.wav: fake featurizer failure/);
        return true;
      },
    );
    assert.equal(existsSync(join(dir, 'index.json')), false);
    const fake = new FakeFeaturizer();
    const result = await buildDataset(options(dir, { featurizer: fake }));
    assert.equal(result.cached, 4, 'clip1, clip2 and the two skip records survived');
    assert.deepEqual(snapshot(dir), snapshot(cleanDir));
  });

  test('worker processes give the same bytes; a killed worker stops the build, naming its file; the rerun finishes', async () => {
    const dir = join(root, 'workers');
    const spec = { module: fakesModule, options: {} };
    const result = await buildDataset(options(dir, { featurizer: spec, jobs: 2 }));
    assert.equal(result.processed, 8);
    assert.deepEqual(snapshot(dir), snapshot(cleanDir));

    const dir2 = join(root, 'worker-killed');
    const countDir = join(root, 'worker-count');
    await assert.rejects(
      buildDataset(
        options(dir2, { featurizer: { module: fakesModule, options: { killAfter: 4, countDir } }, jobs: 2 }),
      ),
      (error: V2meowError) => {
        assert.equal(error.code, 'FEATURIZE_FAILED');
        assert.match(error.message, /\.(wav|mp4): worker process exited \(SIGKILL\)/);
        return true;
      },
    );
    await buildDataset(options(dir2, { featurizer: spec, jobs: 2 }));
    assert.deepEqual(snapshot(dir2), snapshot(cleanDir));
  });

  test('a damaged example in the cache is featurized again', async () => {
    const dir = join(root, 'damaged');
    cpSync(cleanDir, dir, { recursive: true });
    const victim = join(dir, readDatasetIndex(dir).examples[3]!.file);
    writeFileSync(victim, readFileSync(victim).subarray(0, 200));
    const result = await buildDataset(options(dir));
    assert.equal(result.processed, 1);
    assert.deepEqual(snapshot(dir), snapshot(cleanDir));
  });

  test('split: by source file, from the key and seed only; another seed moves some files', async () => {
    const fractions = { train: 0.8, validation: 0.2, test: 0 };
    const keys = Array.from({ length: 400 }, (_, i) => `music/file-${i}.ogg`);
    const a = keys.map((key) => assignSplit(key, 0, fractions));
    assert.deepEqual(
      keys.map((key) => assignSplit(key, 0, fractions)),
      a,
    );
    const train = a.filter((s) => s === 'train').length / keys.length;
    assert.ok(Math.abs(train - 0.8) < 0.06, `train share ${train}`);
    assert.ok(!a.includes('test'));
    assert.notDeepEqual(
      keys.map((key) => assignSplit(key, 7, fractions)),
      a,
    );
    // Another seed and split re-split the cached examples without featurizing again (the split is a function
    // of the key, in the index, not in the cache key).
    const dir = join(root, 'seeded');
    cpSync(cleanDir, dir, { recursive: true });
    const result = await buildDataset(
      options(dir, { seed: 7, split: { train: 0.5, validation: 0.5, test: 0 } }),
    );
    assert.equal(result.processed, 0);
    const { index } = result;
    for (const e of index.examples)
      assert.equal(e.split, assignSplit(e.key, 7, { train: 0.5, validation: 0.5, test: 0 }));
    assert.deepEqual(
      index.examples.map((e) => e.file),
      readDatasetIndex(cleanDir).examples.map((e) => e.file),
    );
  });

  test('bad input: no folder, missing folder, unwritable output', async () => {
    await assert.rejects(
      buildDataset({ ...options(join(root, 'x')), videos: [], music: [] }),
      /at least one/,
    );
    await assert.rejects(
      buildDataset({ ...options(join(root, 'x')), music: [join(root, 'nope')] }),
      /source folder does not exist/,
    );
    writeFileSync(join(root, 'a-file'), '');
    await assert.rejects(
      buildDataset(options(join(root, 'a-file', 'out'))),
      (error: V2meowError) => error.code === 'NOT_WRITABLE',
    );
  });
});

describe('dataset info', () => {
  test('hours by split, kind and source (JSON and text)', () => {
    const index = readDatasetIndex(cleanDir);
    const run = spawnSync(process.execPath, [bin, 'dataset', 'info', cleanDir, '--json'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const info = JSON.parse(run.stdout);
    const hours = (pick: (e: (typeof index.examples)[number]) => boolean) =>
      Math.round((index.examples.filter(pick).reduce((sum, e) => sum + e.durationSec, 0) / 3600) * 1e4) / 1e4;
    assert.equal(
      info.totals.hours.all,
      hours(() => true),
    );
    assert.equal(
      info.totals.byKind.paired.all,
      hours((e) => e.kind === 'paired'),
    );
    assert.equal(
      info.totals.byKind.music.train,
      hours((e) => e.kind === 'music' && e.split === 'train'),
    );
    assert.equal(info.totals.bySource.films.files, 2);
    assert.equal(info.numExamples, 6);
    // 12.32 + 9.00 + 30 + 12.32 + 23.68 + 6.08 s (fake durations are whole semantic frames)
    assert.equal(
      info.totals.hours.all,
      Math.round((index.examples.reduce((s, e) => s + e.durationSec, 0) / 3600) * 1e4) / 1e4,
    );
    const text = describeDataset(index);
    assert.match(text, /kind paired\s+2\s/);
    assert.match(text, /source tones\s+4\s/);
    assert.match(text, /skipped \(unreadable\): 2\n {2}films\/silent-film\.mp4: /);
  });

  test('style-prior: the style vectors of the train split as a prior table (text style -> music)', () => {
    const out = join(root, 'prior');
    const run = spawnSync(process.execPath, [bin, 'dataset', 'style-prior', cleanDir, '-o', out], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const dataset = PairDataset.open(cleanDir);
    const train = dataset.examples('train');
    assert.match(run.stdout, new RegExp(`style prior of ${train.length} examples`));
    const table = loadPrototypes(out);
    assert.deepEqual(
      table.rows.map((r) => r.key),
      train.map((e) => e.key),
    );
    train.forEach((record, r) => {
      const style = dataset.file(record).read('style') as Float32Array;
      for (let d = 0; d < table.dim; d++)
        assert.ok(
          Math.abs(table.vectors[r * table.dim + d]! - style[d]!) <= 1e-3 * Math.abs(style[d]!) + 1e-7,
        );
    });
    // each piece is its own nearest (the fake style: energy and duration differ per file)
    const prior = StylePrior.load(out);
    const first = dataset.file(train[1]!).read('style') as Float32Array;
    assert.deepEqual(prior.nearest(first, 1).neighbours, [train[1]!.key]);
    // style prompts (2 s by default): each row's tokens are its example's, from the recorded start
    assert.equal(prior.prompts?.count, train.length);
    assert.equal(prior.prompts?.semanticTokens, 50);
    train.forEach((record, r) => {
      const start = Math.round(prior.prompts!.startSec[r]! * 25);
      const file = dataset.file(record);
      assert.deepEqual(
        Array.from(prior.promptOf(r).semantic),
        Array.from(file.readRows('semantic', start, 50)),
      );
      const level1 = prior.promptOf(r).acoustic.subarray(100, 200);
      const stored = file.entry('acoustic').shape[1]!;
      assert.deepEqual(
        Array.from(level1),
        Array.from(file.readElements('acoustic', stored + 2 * start, 100)),
      );
    });
  });

  test('usage errors name the option', async () => {
    await assert.rejects(datasetCommand.run(['style-prior', cleanDir]), /-o OUT_DIR is required/);
    await assert.rejects(
      datasetCommand.run(['style-prior', cleanDir, '-o', join(root, 'p2'), '--split', 'test']),
      /--split wants train or validation/,
    );
    await assert.rejects(
      datasetCommand.run(['build', '-o', join(root, 'x')]),
      (e: Error) => e instanceof UsageError && /--videos or --music/.test(e.message),
    );
    await assert.rejects(
      datasetCommand.run(['build', '--music', musicDir, '-o', join(root, 'x'), '--stand-in', 'codec']),
      /unknown part 'codec'/,
    );
    await assert.rejects(datasetCommand.run(['info', join(root, 'nothing')]), /no dataset index/);
  });
});

describe('dataset reader', () => {
  /** A copy of the clean build with every example in train (the reader tests want both kinds in one split). */
  let allTrain: string;
  before(() => {
    allTrain = join(root, 'all-train');
    mkdirSync(allTrain);
    for (const entry of ['examples', 'licenses']) {
      mkdirSync(join(allTrain, entry));
      for (const name of readdirSync(join(cleanDir, entry)))
        copyFileSync(join(cleanDir, entry, name), join(allTrain, entry, name));
    }
    const index = JSON.parse(readFileSync(join(cleanDir, 'index.json'), 'utf8'));
    index.examples = index.examples.map((e: { split: string }) => ({ ...e, split: 'train' }));
    writeFileSync(join(allTrain, 'index.json'), JSON.stringify(index));
  });

  test('windows line up: semantic k, acoustic 2k and 2k+1, curve k and the visual samples cover the same time', () => {
    const dataset = PairDataset.open(allTrain);
    const seconds = 4;
    const S = seconds * 25;
    const batches = dataset.windows('train', { seconds, batchSize: 5, seed: 3 });
    let videoRows = 0;
    for (let n = 0; n < 6; n++) {
      const batch = batches.next().value;
      assert.equal(batch.semantic.length, 5 * S);
      assert.equal(batch.acoustic.length, 5 * 12 * 2 * S);
      assert.equal(batch.musicCurves.length, 5 * S * curveNames.length);
      batch.rows.forEach((row, b) => {
        const k0 = row.startFrame;
        for (let k = 0; k < S; k++) {
          // Semantic frame k0 + k covers [(k0 + k) / 25, (k0 + k + 1) / 25) s.
          assert.equal(batch.semantic[b * S + k], k0 + k);
          for (const level of [0, 5, 11])
            for (const half of [0, 1]) {
              // Acoustic frame 2 (k0 + k) + half covers [(2 (k0 + k) + half) / 50, ...): inside the semantic frame.
              const t = 2 * (k0 + k) + half;
              assert.equal(batch.acoustic[(b * 12 + level) * 2 * S + 2 * k + half], (t + 7 * level) % 1024);
            }
          assert.equal(batch.musicCurves[(b * S + k) * 6], k0 + k);
        }
        assert.equal(batch.hasVideo[b], row.kind === 'paired' ? 1 : 0);
        if (row.kind !== 'paired') return;
        videoRows++;
        for (let k = 0; k < S; k++) assert.equal(batch.videoCurves![(b * S + k) * 6], k0 + k);
        const startSec = k0 / 25;
        for (const [name, rateHz] of Object.entries(fakeVisualRates)) {
          const stream = batch.visual[name as keyof typeof batch.visual]!;
          assert.equal(stream.rateHz, rateHz);
          assert.equal(stream.numFrames, seconds * rateHz);
          if (name === 'tokens') continue;
          const numStored = Math.floor((row.key.endsWith('clip1.mp4') ? 12 : 9) * rateHz);
          for (let j = 0; j < stream.numFrames; j++) {
            const stored = stream.data[(b * stream.numFrames + j) * stream.dim]!;
            // The stored frame's start time lies within half a frame of the window's time for sample j
            // (or it is the stream's last frame, repeated past its end).
            const time = startSec + j / rateHz;
            if (stored < numStored - 1)
              assert.ok(
                Math.abs(stored / rateHz - time) <= 0.5 / rateHz + 1e-9,
                `${name} ${stored} at ${time}`,
              );
            else assert.ok(stored / rateHz <= time + 0.5 / rateHz);
          }
        }
      });
    }
    assert.ok(videoRows > 0, 'some rows came from videos');
    dataset.close();
  });

  test('deterministic given the seed; a saved position resumes the same stream; kinds and start crops', () => {
    const dataset = PairDataset.open(allTrain);
    const take = (n: number, opts: Parameters<PairDataset['windows']>[1]) => {
      const it = dataset.windows('train', opts);
      return Array.from({ length: n }, () => it.next().value);
    };
    const a = take(5, { seconds: 3, batchSize: 4, seed: 11 });
    const b = take(5, { seconds: 3, batchSize: 4, seed: 11 });
    assert.deepEqual(
      a.map((x) => x.rows),
      b.map((x) => x.rows),
    );
    assert.deepEqual(a[4]!.acoustic, b[4]!.acoustic);
    const resumed = take(2, { seconds: 3, batchSize: 4, seed: 11, start: a[2]!.next });
    assert.deepEqual(
      resumed.map((x) => x.rows),
      [a[3]!.rows, a[4]!.rows],
    );
    const other = take(5, { seconds: 3, batchSize: 4, seed: 12 });
    assert.notDeepEqual(
      other.map((x) => x.rows),
      a.map((x) => x.rows),
    );
    // An epoch holds one slot per whole window: floor(frames / 75) per example.
    const slots = dataset.examples('train').reduce((sum, e) => sum + Math.floor(e.numSemanticFrames / 75), 0);
    const epoch = take(Math.ceil(slots / 4) + 1, { seconds: 3, batchSize: 4, seed: 11 });
    assert.equal(epoch.at(-1)!.position.epoch, 1);
    const music = take(3, { seconds: 3, batchSize: 4, kinds: ['music'], crop: 'start' });
    for (const batch of music) {
      assert.equal(batch.videoCurves, undefined);
      assert.deepEqual(Object.keys(batch.visual), []);
      for (const row of batch.rows) {
        assert.equal(row.kind, 'music');
        assert.equal(row.startFrame, 0);
      }
    }
    assert.throws(() => dataset.windows('train', { seconds: 60, batchSize: 1 }).next(), /no example of 60 s/);
    dataset.close();
  });

  test('mostly silent crops are skipped when asked', () => {
    const dataset = PairDataset.open(allTrain);
    const rowsOf = (skip: boolean) => {
      const it = dataset.windows('train', {
        seconds: 4,
        batchSize: 8,
        seed: 5,
        kinds: ['music'],
        ...(skip ? { skipSilence: { thresholdDb: -60, maxFraction: 0.5 } } : {}),
      });
      return Array.from({ length: 10 }, () => it.next().value.rows)
        .flat()
        .filter((row) => row.key === 'tones/half-silent.wav');
    };
    // half-silent.wav: a tone for 10 s, then 20 s of silence. A 4 s crop is mostly silent when it starts after 8 s.
    const plain = rowsOf(false);
    assert.ok(
      plain.some((row) => row.startFrame / 25 > 8),
      'without skipping, silent crops occur',
    );
    const skipped = rowsOf(true);
    assert.ok(skipped.length > 0);
    for (const row of skipped) assert.ok(row.startFrame / 25 <= 8, `crop at ${row.startFrame / 25} s`);
    dataset.close();
  });

  test("style scope 'window': the overlap-weighted mean of the 10 s segments the window covers", () => {
    const dataset = PairDataset.open(allTrain);
    // half-silent.wav: 30 s = segments [0,10) [10,20) [20,30); fake segment g carries g and its start second
    const record = dataset.index.examples.find((e) => e.key === 'tones/half-silent.wav')!;
    const stored = dataset.file(record).read('styleSegments');
    assert.equal(stored.length, 300);
    assert.deepEqual(
      [stored[2], stored[3], stored[102], stored[103], stored[202], stored[203]],
      [0, 0, 1, 10, 2, 20],
    );
    // the clip style is the segments' mean
    const clip = dataset.file(record).read('style');
    assert.ok(Math.abs(clip[2]! - 1) < 1e-6 && Math.abs(clip[3]! - 10) < 1e-5);
    // a window of 8 s from 6 s: 4 s of segment 0, 4 s of segment 1 -> index 0.5; from 12 s: segment 1 alone
    assert.ok(Math.abs(dataset.windowStyle(record, 150, 200)[2]! - 0.5) < 1e-6);
    assert.ok(Math.abs(dataset.windowStyle(record, 300, 200)[2]! - 1) < 1e-6);
    // 9 s..19 s: 1 s of segment 0, 9 s of segment 1 -> 0.9
    assert.ok(Math.abs(dataset.windowStyle(record, 225, 250)[2]! - 0.9) < 1e-6);
    // tone-b, 23.71 s: the last 3.71 s stand alone (>= 3 s); tone-a, 12.33 s: its last 2.33 s fold into segment 0
    const b = dataset.index.examples.find((e) => e.key === 'tones/tone-b.wav')!;
    const a = dataset.index.examples.find((e) => e.key === 'tones/tone-a.wav')!;
    assert.equal(dataset.file(b).entry('styleSegments').shape[0], 3);
    assert.equal(dataset.file(a).entry('styleSegments').shape[0], 1);
    assert.ok(Math.abs(dataset.windowStyle(b, 500, 50)[2]! - 2) < 1e-6);
    // batches carry the window's style with styleScope 'window', the clip's by default
    for (const scope of ['clip', 'window'] as const) {
      const batch = dataset
        .windows('train', { seconds: 8, batchSize: 6, seed: 3, styleScope: scope })
        .next().value;
      batch.rows.forEach((row, r) => {
        const rec = dataset.index.examples.find((e) => e.key === row.key)!;
        const want =
          scope === 'window'
            ? dataset.windowStyle(rec, row.startFrame, 200)
            : dataset.file(rec).read('style');
        assert.deepEqual(batch.style.subarray(r * 100, (r + 1) * 100), Float32Array.from(want));
      });
    }
    dataset.close();
  });

  test('evaluation windows: every whole window of a split once, in order', () => {
    const dataset = PairDataset.open(allTrain);
    const rows = [...dataset.evaluationWindows('train', { seconds: 5, batchSize: 3 })].flatMap((b) => b.rows);
    const expected = dataset.index.examples.flatMap((e) =>
      Array.from({ length: Math.floor(e.numSemanticFrames / 125) }, (_, n) => `${e.key}@${n * 125}`),
    );
    assert.deepEqual(
      rows.map((r) => `${r.key}@${r.startFrame}`),
      expected,
    );
    // maxWindows: that many, evenly spaced over all of them (the validation set spans every file)
    const few = [...dataset.evaluationWindows('train', { seconds: 5, batchSize: 2, maxWindows: 3 })]
      .flatMap((b) => b.rows)
      .map((r) => `${r.key}@${r.startFrame}`);
    assert.ok(expected.length > 3);
    assert.deepEqual(
      few,
      [0, 1, 2].map((i) => expected[Math.floor((i * expected.length) / 3)]),
    );
    dataset.close();
  });
});
