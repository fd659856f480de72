// Slow: the training-set builder with the real codec and MusiCNN style (semantic, curves and visual parts as
// stand-ins until their branches are merged) on a short shared clip: the stored acoustic tokens are the
// committed codec's tokens of the clip cut to whole semantic frames, and encoding in chunks with the encoder's
// carried state gives exactly the tokens of one whole encode.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultCodecPath } from '../../src/codec/files.js';
import { loadCodec } from '../../src/codec/soundstream.js';
import { buildDataset } from '../../src/dataset/builder.js';
import { encodeInChunks } from '../../src/dataset/codecTokens.js';
import { PairDataset } from '../../src/dataset/reader.js';
import { realFeaturizerSpec } from '../../src/dataset/realFeaturizer.js';
import { decodeAudio } from '../../src/media/index.js';
import { liveTensorCount, noGrad, tensor, tidy } from '../../src/torch/index.js';
import { mediaDir, slow } from '../helpers.js';

const clip = join(mediaDir, 'music', 'basic_pitch_c_major_scale.mp3');
const root = mkdtempSync(join(tmpdir(), 'v2meow-pairs-codec-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('dataset with the committed codec', slow, () => {
  test('chunked encoding with carried encoder state equals one whole encode', async () => {
    const { codec } = loadCodec(defaultCodecPath());
    const samples = (await decodeAudio(clip, { sampleRateHz: 16000 })).subarray(0, 16000 * 8 + 123);
    const live = liveTensorCount();
    const chunked = encodeInChunks(codec, samples, 70);
    assert.equal(liveTensorCount(), live);
    const whole = noGrad(() =>
      tidy(
        () =>
          codec
            .encode(tensor(samples, [1, samples.length]))
            .cast('int32')
            .data() as Int32Array,
      ),
    );
    assert.equal(chunked.numFrames, Math.ceil(samples.length / 320));
    assert.equal(chunked.levels, 12);
    assert.deepEqual(chunked.data, whole);
    codec.dispose();
  });

  test('build: acoustic tokens of the stored example are the codec tokens of the clip on the timeline', async () => {
    const music = join(root, 'music');
    mkdirSync(music);
    symlinkSync(clip, join(music, 'scale.mp3'));
    const outDir = join(root, 'pairs');
    const spec = realFeaturizerSpec({ standIns: ['semantic', 'curves', 'visual'] });
    const { index } = await buildDataset({ music: [`shared=${music}`], outDir, featurizer: spec });
    assert.equal(index.examples.length, 1);
    const record = index.examples[0]!;
    assert.match(index.settings.featurizers.acoustic, /^codec@[0-9a-f]{12}$/);
    assert.equal(index.settings.featurizers.semantic, 'stand-in-rms-64');
    const samples = await decodeAudio(clip, { sampleRateHz: 16000 });
    const S = Math.floor(samples.length / 640);
    assert.equal(record.numSemanticFrames, S);
    const { codec } = loadCodec(defaultCodecPath());
    const expected = noGrad(() =>
      tidy(
        () =>
          codec
            .encode(tensor(samples.subarray(0, S * 640), [1, S * 640]))
            .cast('int32')
            .data() as Int32Array,
      ),
    );
    codec.dispose();
    const dataset = PairDataset.open(outDir);
    const file = dataset.file(record);
    assert.deepEqual(file.entry('acoustic').shape, [12, 2 * S]);
    assert.deepEqual(file.read('acoustic'), expected);
    const style = file.read('style');
    assert.equal(style.length, 100);
    assert.ok(style.every((p) => p >= 0 && p <= 1));
    // A 10 s window of the reader holds the same tokens.
    const batch = dataset.windows(record.split, { seconds: 10, batchSize: 1, crop: 'start' }).next().value;
    assert.deepEqual(batch.acoustic.subarray(0, 500), expected.subarray(0, 500));
    dataset.close();
  });
});
