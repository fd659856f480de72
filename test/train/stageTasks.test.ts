// The stage trainers (issue 12 item 6) on a tiny synthetic training set built with fake featurizers whose
// visual streams have the real extractor's shapes (motion 16-d at 8 Hz, semantic 1280-d at 1 Hz, pose 51-d at 4 Hz, tokens 49
// ids of 256 at 1 Hz): each stage trains through `v2meow train` on the debug preset and its validation loss
// falls; a resumed run takes exactly the steps an uninterrupted one takes (data position and RNGs restored);
// `train export` assembles a bundle of the three stages that readBundle accepts, with their token streams
// and data hours; a dataset without a stream the stage-1 config wants fails before any work, naming it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { trainCommand } from '../../src/cli/commands/train.js';
import { assignSplit } from '../../src/data/split.js';
import { buildDataset, defaultDatasetSplit } from '../../src/dataset/builder.js';
import { PairDataset } from '../../src/dataset/reader.js';
import type { FeatureStream } from '../../src/features/streams.js';
import { encodeWav } from '../../src/media/index.js';
import { probe } from '../../src/media/probe.js';
import type { Stage1Config } from '../../src/models/stage1.js';
import { Stage2, type Stage2Config } from '../../src/models/stage2.js';
import { loadModelWeights, readModelInfo } from '../../src/torch/index.js';
import { readSafetensorsHeader } from '../../src/torch/io/safetensors.js';
import { runFiles } from '../../src/train/loop.js';
import { type RankBatch, trainingWindows } from '../../src/train/stageData.js';
import { readLog, type TrainLogRecord } from '../../src/train/trainLog.js';
import { readBundle } from '../../src/weights/bundle.js';
import { FakeFeaturizer } from '../data/pairsFakes.js';
import { repoRoot } from '../helpers.js';
import { makeTestVideo } from '../media/fixtures.js';

/** Fake visual streams with the shapes of src/features/visual.ts's defaults. */
class RealShapedFakes extends FakeFeaturizer {
  override async visual(videoPath: string) {
    const durationSec = (await probe(videoPath)).durationSec;
    const make = (name: string, rateHz: number, dim: number, kind: 'dense' | 'tokens'): FeatureStream => {
      const numFrames = Math.floor(durationSec * rateHz);
      const data = new Float32Array(numFrames * dim).map((_, i) =>
        kind === 'tokens' ? i % 256 : Math.sin(i),
      );
      return {
        name,
        rateHz,
        numFrames,
        dim,
        kind,
        ...(kind === 'tokens' ? { vocabularySize: 256 } : {}),
        data,
      };
    };
    return {
      source: videoPath,
      durationSec,
      streams: {
        motion: make('motion', 8, 16, 'dense'),
        semantic: make('semantic', 1, 1280, 'dense'),
        pose: make('pose', 4, 51, 'dense'),
        tokens: make('tokens', 1, 49, 'tokens'),
      },
    };
  }
}

const rate = 16000;
let root: string;
let data: string;
let musicOnly: string;
let noSegments: string;

function tone(hz: number, seconds: number): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => 0.4 * Math.sin((2 * Math.PI * hz * i) / rate),
  );
}

/** A split seed that puts a paired and a music example in train and a music example of >= 10 s in validation. */
function splitSeed(videos: string[], music: string[]): number {
  for (let seed = 0; seed < 1000; seed++) {
    const split = (key: string) => assignSplit(key, seed, defaultDatasetSplit);
    if (
      videos.some((k) => split(`films/${k}`) === 'train') &&
      music.some((k) => split(`tones/${k}`) === 'train') &&
      music.some((k) => split(`tones/${k}`) === 'validation')
    )
      return seed;
  }
  throw new Error('no seed');
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'v2meow-stage-tasks-'));
  const videos = join(root, 'videos');
  const music = join(root, 'music');
  mkdirSync(videos);
  mkdirSync(music);
  makeTestVideo(videos, 'clip1.mp4', 12);
  makeTestVideo(videos, 'clip2.mp4', 11);
  const tones = ['a.wav', 'b.wav', 'c.wav', 'd.wav'];
  tones.forEach((name, i) => {
    writeFileSync(join(music, name), encodeWav(tone(220 + 110 * i, 11 + i), rate));
  });
  writeFileSync(join(music, 'LICENSE'), 'CC0\n');
  const seed = splitSeed(['clip1.mp4', 'clip2.mp4'], tones);
  data = join(root, 'pairs');
  await buildDataset({
    outDir: data,
    videos: [`films=${videos}`],
    music: [`tones=${music}`],
    featurizer: new RealShapedFakes(),
    seed,
  });
  noSegments = join(root, 'no-segments');
  await buildDataset({
    outDir: noSegments,
    videos: [`films=${videos}`],
    music: [`tones=${music}`],
    featurizer: new RealShapedFakes({ noStyleSegments: true }),
    seed,
  });
  musicOnly = join(root, 'music-only');
  await buildDataset({
    outDir: musicOnly,
    music: [`tones=${music}`],
    featurizer: new RealShapedFakes(),
    seed,
  });
});

after(() => rmSync(root, { recursive: true, force: true }));

const common = [
  '--preset',
  'debug',
  '--batch',
  '2',
  '--warmup',
  '0',
  '--lr',
  '0.003',
  '--validate-every',
  '3',
];

async function train(
  stage: string,
  out: string,
  maxSteps: number,
  dataDir = data,
): Promise<TrainLogRecord[]> {
  const code = await trainCommand.run([
    stage,
    '--data',
    dataDir,
    '--out',
    out,
    '--max-steps',
    String(maxSteps),
    ...common,
  ]);
  assert.equal(code, 0);
  return readLog(join(out, runFiles.log));
}

const validation = (log: TrainLogRecord[]) => log.filter((r) => r.validationLoss !== undefined);

describe('stage trainers', () => {
  const levelsOf: Record<string, number[]> = {
    stage1: [],
    stage2: [1, 2, 3, 4],
    stage3: [5, 6, 7, 8, 9, 10, 11, 12],
  };
  for (const stage of ['stage1', 'stage2', 'stage3']) {
    test(`${stage}: trains on the debug preset, validation loss falls, resume continues`, async () => {
      const out = join(root, `${stage}-run`);
      const first = await train(stage, out, 6);
      assert.deepEqual(
        first.map((r) => r.step),
        [1, 2, 3, 4, 5, 6],
      );
      const v = validation(first);
      assert.deepEqual(
        v.map((r) => r.step),
        [1, 3, 6],
      );
      assert.ok(
        Number(v.at(-1)!.validationLoss) < Number(v[0]!.validationLoss),
        `validation loss ${v.map((r) => r.validationLoss).join(' -> ')}`,
      );
      for (const level of levelsOf[stage]!) {
        const a = Number(v[0]![`validationAccuracyLevel${level}`]);
        assert.ok(a >= 0 && a <= 1, `level ${level} accuracy ${a}`);
      }
      assert.equal(v[0]![`validationAccuracyLevel${(levelsOf[stage]!.at(-1) ?? 0) + 1}`], undefined);
      const info = readModelInfo<{ semanticVocabularySize?: number }>(join(out, runFiles.checkpoint), stage);
      const provenance = info.extra as {
        steps: number;
        data: { hoursBySource: Record<string, number> };
        recipe: { cropSeconds: number };
      };
      assert.equal(provenance.steps, 6);
      assert.deepEqual(Object.keys(provenance.data.hoursBySource).sort(), ['films', 'tones']);
      assert.equal(provenance.recipe.cropSeconds, stage === 'stage3' ? 3 : 10);
      if (stage !== 'stage3')
        assert.equal(info.config.semanticVocabularySize, 4096, 'vocabulary from the dataset');

      const resumed = await train(stage, out, 8);
      assert.deepEqual(
        resumed.map((r) => r.step),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      assert.deepEqual(
        resumed.slice(0, 6).map((r) => r.loss),
        first.map((r) => r.loss),
      );
      const state = (path: string) =>
        (readModelInfo(path, stage).extra as { training: { dataState: { epoch: number; position: number } } })
          .training.dataState;
      const after8 = state(join(out, runFiles.checkpoint));
      assert.ok(after8.epoch * 1000 + after8.position > 0);
    });
  }

  test('training windows: a saved data position continues the stream; ranks take disjoint rows', () => {
    const dataset = PairDataset.open(data);
    const shard = { rank: 0, worldSize: 1, seed: 3 };
    const o = { seconds: 3, batchSize: 2, kinds: ['paired', 'music'] as const };
    const keys = (b: RankBatch) =>
      b.batch.rows.slice(b.firstRow, b.firstRow + b.numRows).map((r) => `${r.key}@${r.startFrame}`);
    try {
      const source = trainingWindows(dataset, shard, o, undefined, () => {});
      const seen = [keys(source.next()), keys(source.next())];
      const saved = JSON.parse(JSON.stringify(source.state()));
      seen.push(keys(source.next()), keys(source.next()));
      const resumed = trainingWindows(dataset, shard, o, saved, () => {});
      assert.deepEqual([keys(resumed.next()), keys(resumed.next())], seen.slice(2));
      const ranks = [0, 1].map((rank) =>
        keys(trainingWindows(dataset, { ...shard, rank, worldSize: 2 }, o, undefined, () => {}).next()),
      );
      const global = trainingWindows(dataset, shard, { ...o, batchSize: 4 }, undefined, () => {}).next();
      assert.deepEqual([...ranks[0]!, ...ranks[1]!], keys(global));
    } finally {
      dataset.close();
    }
  });

  test('export: the three stages in a bundle that readBundle accepts, with token streams and data hours', async () => {
    const bundle = join(root, 'bundle');
    const code = await trainCommand.run([
      'export',
      '-o',
      bundle,
      '--partial',
      ...['stage1', 'stage2', 'stage3'].flatMap((s) => [`--${s}`, join(root, `${s}-run`, runFiles.best)]),
    ]);
    assert.equal(code, 0);
    const manifest = readBundle(bundle);
    assert.deepEqual(Object.keys(manifest.parts).sort(), ['stage1', 'stage2', 'stage3']);
    const { stage1, stage2, stage3 } = manifest.parts;
    assert.deepEqual(stage1!.writes!.semantic, stage2!.reads!.semantic);
    assert.equal(stage1!.writes!.semantic!.vocabularySize, 4096);
    assert.deepEqual(stage2!.writes!.acoustic!.levels, [0, 4]);
    assert.deepEqual(stage3!.reads!.acoustic!.levels, [0, 4]);
    assert.deepEqual(stage3!.writes!.acoustic!.levels, [4, 8]);
    assert.equal(stage3!.writes!.acoustic!.numLevels, 12);
    const hours = (manifest.provenance.dataHoursBySource as Record<string, Record<string, number>>).stage2!;
    assert.ok(hours.films! > 0 && hours.tones! > 0, JSON.stringify(hours));
    assert.ok(Number((stage1!.provenance!.validation as { bestScore: number }).bestScore) > 0);

    // --half: the stages' weights as float16, half the bytes; loading casts them back to the model's float32
    const half = join(root, 'bundle-half');
    await trainCommand.run([
      'export',
      '-o',
      half,
      '--partial',
      '--half',
      '--stage2',
      join(root, 'stage2-run', runFiles.best),
    ]);
    const file = join(half, manifest.parts.stage2!.path);
    const dtypes = new Set(Object.values(readSafetensorsHeader(file).entries).map((t) => t.dtype));
    assert.deepEqual([...dtypes], ['F16']);
    const full = join(bundle, manifest.parts.stage2!.path);
    assert.ok(statSync(file).size < 0.6 * statSync(full).size);
    const [a, b] = [full, file].map((path) => {
      const model = new Stage2(readModelInfo<Stage2Config>(path, 'stage2').config);
      loadModelWeights(path, model);
      return model;
    });
    const wa = a.acoustic.head.weight.toArray();
    const wb = b.acoustic.head.weight.toArray();
    assert.equal(b.acoustic.head.weight.dtype, 'float32');
    assert.ok(wa.every((x, i) => Math.abs(x - wb[i]!) <= 1e-3 * Math.abs(x) + 1e-7));
    a.dispose();
    b.dispose();
  });

  test('--set replaces config fields of a fresh run; unknown fields and wrong types fail before any work', async () => {
    const out = join(root, 'set-run');
    const code = await trainCommand.run([
      'stage2',
      '--data',
      data,
      '--out',
      out,
      '--max-steps',
      '1',
      ...common,
      '--set',
      'semanticPrefix=false',
      '--set',
      'alignedSemantic=[0,1]',
      '--set',
      'maxFrames=300',
    ]);
    assert.equal(code, 0);
    const config = readModelInfo<Stage2Config>(join(out, runFiles.checkpoint), 'stage2').config;
    assert.equal(config.semanticPrefix, false);
    assert.deepEqual(config.alignedSemantic, [0, 1]);
    assert.equal(config.maxFrames, 300);
    for (const [item, pattern] of [
      ['noSuchField=1', /--set: stage2 has no config field 'noSuchField'/],
      ['semanticPrefix=3', /--set semanticPrefix: stage2's semanticPrefix is boolean, got 3/],
    ] as const) {
      const bad = join(root, 'set-bad-run');
      await assert.rejects(
        trainCommand.run(['stage2', '--data', data, '--out', bad, ...common, '--set', item]),
        (e: Error) => pattern.test(e.message),
      );
      assert.ok(!existsSync(join(bad, runFiles.checkpoint)));
    }
  });

  test('--style-scope window: crops carry their own style, recorded in the provenance; a set without segments is refused', async () => {
    const out = join(root, 'window-style-run');
    const code = await trainCommand.run([
      'stage1',
      '--data',
      data,
      '--out',
      out,
      '--max-steps',
      '1',
      ...common,
      '--style-scope',
      'window',
    ]);
    assert.equal(code, 0);
    const extra = readModelInfo(join(out, runFiles.checkpoint), 'stage1').extra as {
      recipe: { styleScope: string };
    };
    assert.equal(extra.recipe.styleScope, 'window');
    await assert.rejects(
      trainCommand.run(['stage1', '--data', data, '--out', join(root, 'bad-scope'), '--style-scope', 'file']),
      /--style-scope: one of clip, window, got 'file'/,
    );
    // --set applies to a fresh run from --init: a module newer than the file starts at zero
    const grown = join(root, 'style-to-decoder-run');
    const init = join(out, runFiles.checkpoint);
    const args = ['stage1', '--data', data, '--out', grown, '--max-steps', '1', ...common, '--init', init];
    assert.equal(await trainCommand.run([...args, '--set', 'styleToDecoder=true']), 0);
    assert.equal(
      readModelInfo<Stage1Config>(join(grown, runFiles.checkpoint), 'stage1').config.styleToDecoder,
      true,
    );
    const bad = join(root, 'no-segments-run');
    await assert.rejects(
      trainCommand.run(['stage1', '--data', noSegments, '--out', bad, ...common, '--style-scope', 'window']),
      (e: Error) => /have no per-segment style vectors/.test(e.message) && e.message.includes(noSegments),
    );
    assert.ok(!existsSync(join(bad, runFiles.checkpoint)));
  });

  test('stage2 --init + --set styleInput=true --style-scope window: the style path starts at zero and trains', async () => {
    const init = join(root, 'stage2-run', runFiles.checkpoint);
    const out = join(root, 'stage2-style-run');
    const code = await trainCommand.run([
      'stage2',
      '--data',
      data,
      '--out',
      out,
      '--max-steps',
      '2',
      ...common,
      '--init',
      init,
      '--set',
      'styleInput=true',
      '--style-scope',
      'window',
    ]);
    assert.equal(code, 0);
    const info = readModelInfo<Stage2Config>(join(out, runFiles.checkpoint), 'stage2');
    assert.equal(info.config.styleInput, true);
    assert.equal((info.extra as { recipe: { styleScope: string } }).recipe.styleScope, 'window');
    const model = new Stage2(info.config);
    loadModelWeights(join(out, runFiles.checkpoint), model);
    // two steps from zero: the projection has moved
    const moved = model.styleProjection!.weight.toArray().some((x) => x !== 0);
    assert.ok(moved);
    model.dispose();
  });

  test('a dataset without a stream the stage-1 config wants fails before any work, naming dataset and stream', () => {
    const out = join(root, 'no-video-run');
    const res = spawnSync(
      process.execPath,
      [join(repoRoot, 'bin', 'v2meow.js'), 'train', 'stage1', '--data', musicOnly, '--out', out, ...common],
      { encoding: 'utf8', env: { ...process.env, V2MEOW_THREADS: '1' } },
    );
    assert.equal(res.status, 1, res.stderr);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.ok(res.stderr.includes(musicOnly), res.stderr);
    assert.match(
      res.stderr,
      /stage1 wants visual stream 'semantic' \(1280-d dense at 1 Hz\), which no paired/,
    );
    assert.ok(!existsSync(out));
  });
});
