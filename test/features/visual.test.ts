// VisualFeatureExtractor (src/features/visual.ts) on the 120 bpm demo clip of scripts/demo.sh: each stream has
// its rate, frame count and width; the streams of one decode cover the same seconds; a window [start, start +
// seconds) gives exactly the frames of the full run from start on; the committed token codebook loads and
// assigns each centroid to itself. Streams that need MobileNet/MoveNet run as slow tests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Mobilenet } from '../../src/encoders/mobilenet.js';
import { V2meowError } from '../../src/errors.js';
import { motionStreamDim, poseStreamDim, VisualFeatureExtractor } from '../../src/features/visual.js';
import { VisualTokenCodebook } from '../../src/features/visualTokens.js';
import { slow } from '../helpers.js';
import { writeDemoClip } from './demoClip.js';

const folder = mkdtempSync(join(tmpdir(), 'v2meow-visual-features-'));
const clip = join(folder, 'demo_clip.mp4');
before(() => writeDemoClip(clip, 6));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Frames [first, first + count) of a stream's data. */
const rows = (data: Float32Array, dim: number, first: number, count: number) =>
  Array.from(data.subarray(first * dim, (first + count) * dim));

test('motion stream: 8 fps, 16 values per frame, frame k = flow from k to k + 1; a window repeats the full run', async () => {
  const extractor = await VisualFeatureExtractor.create({ streams: ['motion'] });
  const full = await extractor.extract(clip);
  const motion = full.streams.motion!;
  assert.deepEqual(Object.keys(full.streams), ['motion']);
  assert.equal(full.durationSec, 6);
  assert.equal(motion.rateHz, 8);
  assert.equal(motion.numFrames, 48);
  assert.equal(motion.dim, motionStreamDim);
  assert.equal(motion.dim, 16);
  assert.equal(motion.kind, 'dense');
  for (let k = 0; k < motion.numFrames; k++) {
    const row = motion.data.subarray(k * 16, (k + 1) * 16);
    assert.ok(row[0]! > 0, `frame ${k}: the box always moves, energy ${row[0]}`);
    const magnitudeFractions = row.subarray(2, 8).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(magnitudeFractions - 1) < 1e-3, `magnitude histogram sums to ${magnitudeFractions}`);
  }
  assert.equal(full.analysis.motionFeatures.length, 47);
  assert.deepEqual(rows(motion.data, 16, 47, 1), rows(motion.data, 16, 46, 1)); // the last repeats
  const window = await extractor.extract(clip, { startSec: 2, seconds: 3 });
  assert.equal(window.durationSec, 3);
  assert.equal(window.startSec, 2);
  assert.equal(window.streams.motion!.numFrames, 24);
  assert.deepEqual(rows(window.streams.motion!.data, 16, 0, 23), rows(motion.data, 16, 16, 23));
  extractor.dispose();
});

test('bad stream names and windows are errors that name the problem', async () => {
  await assert.rejects(
    VisualFeatureExtractor.create({ streams: ['motion', 'colour' as 'motion'] }),
    (error: unknown) => error instanceof V2meowError && /unknown visual stream 'colour'/.test(error.message),
  );
  await assert.rejects(
    VisualFeatureExtractor.create({ streams: ['motion'], motionFps: 0 }),
    /motionFps must be in \(0, 60\]/,
  );
  const extractor = await VisualFeatureExtractor.create({ streams: ['motion'] });
  await assert.rejects(extractor.extract(clip, { startSec: 7 }), /past the end/);
  await assert.rejects(extractor.extract(clip, { seconds: 0 }), /bad window/);
  await assert.rejects(
    extractor.extract(join(folder, 'missing.mp4')),
    (e: unknown) => e instanceof V2meowError,
  );
});

test('the committed token codebook: 256 x 1280 over a 7x7 map, each centroid is its own token', () => {
  const codebook = VisualTokenCodebook.load();
  assert.deepEqual(
    [codebook.config.numTokens, codebook.config.featureDim, codebook.config.gridSize],
    [256, 1280, 7],
  );
  const ids = [0, 17, 255];
  const map = new Float32Array(ids.length * 1280);
  ids.forEach((id, cell) => {
    map.set(codebook.centroids.subarray(id * 1280, (id + 1) * 1280), cell * 1280);
  });
  assert.deepEqual(Array.from(codebook.assign(map)), ids);
  assert.throws(() => VisualTokenCodebook.load(join(folder, 'none.safetensors')), /not found/);
});

test('MobileNetV2 pre-pool map: 7x7x1280 cells whose mean is the pooled feature vector', slow, async () => {
  const mobilenet = await Mobilenet.fromPretrained('default', { spatialMap: true });
  assert.equal(mobilenet.gridSize, 7);
  const data = new Uint8Array(224 * 224 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) % 256;
  const output = mobilenet.encode({ data, width: 224, height: 224 });
  const map = output.spatialMap!;
  assert.equal(map.length, 49 * 1280);
  let worst = 0;
  for (let c = 0; c < 1280; c++) {
    let sum = 0;
    for (let cell = 0; cell < 49; cell++) sum += map[cell * 1280 + c]!;
    worst = Math.max(worst, Math.abs(sum / 49 - output.features[c]!));
  }
  assert.ok(worst < 0.05, `mean of the cells differs from the pool by ${worst}`);
  mobilenet.dispose();
});

test(
  'all four streams from one decode: rates, shapes, kinds, the same seconds; tokens repeat',
  slow,
  async () => {
    const extractor = await VisualFeatureExtractor.create({
      streams: ['semantic', 'motion', 'pose', 'tokens'],
    });
    const result = await extractor.extract(clip);
    const { semantic, motion, pose, tokens } = result.streams;
    assert.deepEqual(
      [semantic!.rateHz, semantic!.numFrames, semantic!.dim, semantic!.kind],
      [1, 6, 1280, 'dense'],
    );
    assert.deepEqual([motion!.rateHz, motion!.numFrames, motion!.dim], [8, 48, 16]);
    assert.deepEqual([pose!.rateHz, pose!.numFrames, pose!.dim], [4, 24, poseStreamDim]);
    assert.deepEqual(
      [tokens!.rateHz, tokens!.numFrames, tokens!.dim, tokens!.kind, tokens!.vocabularySize],
      [1, 6, 49, 'tokens', 256],
    );
    for (const stream of [semantic!, motion!, pose!, tokens!])
      assert.equal(stream.numFrames / stream.rateHz, result.durationSec, `${stream.name} covers the clip`);
    assert.ok(tokens!.data.every((id) => Number.isInteger(id) && id >= 0 && id < 256));
    assert.ok(semantic!.data.every((v) => v >= 0 && v <= 6.01)); // ReLU6 features, dequantized
    for (let k = 0; k < pose!.numFrames; k++)
      for (let j = 0; j < 17; j++) {
        const score = pose!.data[k * poseStreamDim + 3 * j + 2]!;
        assert.ok(score >= 0 && score <= 1, `pose score ${score}`);
      }
    // Same video, same frames: identical semantic features and tokens; a window from 2 s gives frames 2.. of them.
    const window = await extractor.extract(clip, { startSec: 2, seconds: 3 });
    assert.deepEqual(Array.from(window.streams.tokens!.data), rows(tokens!.data, 49, 2, 3));
    assert.deepEqual(Array.from(window.streams.semantic!.data), rows(semantic!.data, 1280, 2, 3));
    assert.equal(window.streams.pose!.numFrames, 12);
    extractor.dispose();
  },
);
