// YAMNet: bit-exact parity with the golden TFLite run, window framing, and classes on real clips.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Yamnet, yamnetPresets } from '../../src/encoders/yamnet.js';
import { decodeAudio } from '../../src/media/index.js';
import { mediaDir, slow } from '../helpers.js';
import { cosine, goldenFloats, maxAbsDiff } from './goldenFiles.js';

describe('YAMNet', slow, () => {
  let yamnet: Yamnet;
  before(async () => {
    yamnet = await Yamnet.fromPretrained();
  });
  after(() => yamnet?.dispose());

  test('golden window: scores and 1024-d embedding match the reference run exactly', () => {
    const result = yamnet.classifyWindow(goldenFloats('yamnet', 'input_waveform.f32.bin'));
    assert.equal(result.scores.length, 521);
    assert.equal(result.embedding.length, 1024);
    assert.equal(maxAbsDiff(result.scores, goldenFloats('yamnet', 'output_scores.f32.bin')), 0);
    const embedding = goldenFloats('yamnet', 'output_embedding.f32.bin');
    assert.equal(maxAbsDiff(result.embedding, embedding), 0);
    assert.ok(cosine(result.embedding, embedding) >= 0.99);
    assert.deepEqual(
      yamnet.top(result.scores, 5).map((c) => c.label),
      ['Music', 'Orchestra', 'String section', 'Classical music', 'Musical instrument'],
    );
  });

  test('framing: window count, zero-padded tail, output shapes', () => {
    assert.equal(yamnet.numWindows(100), 1);
    assert.equal(yamnet.numWindows(15600), 1);
    assert.equal(yamnet.numWindows(15601), 2);
    assert.equal(yamnet.numWindows(16000 * 10), 1 + Math.ceil((160000 - 15600) / 7680));
    const result = yamnet.run(new Float32Array(20000));
    assert.equal(result.numWindows, 2);
    assert.deepEqual(result.windowStartSec, [0, 0.48]);
    assert.equal(result.scores.length, 2 * 521);
    assert.equal(result.embeddings.length, 2 * 1024);
    assert.equal(yamnetPresets.debug.hopSamples, yamnetPresets.debug.windowSamples);
  });

  const clipTop = async (file: string, seconds = 10) => {
    const waveform = await decodeAudio(join(mediaDir, file), { sampleRateHz: 16000, durationSec: seconds });
    const result = yamnet.run(waveform);
    return yamnet.top(yamnet.clipScores(result), 5).map((c) => c.label);
  };

  test('brahms is Music with Orchestra or String section in the top 5', async () => {
    const top = await clipTop('music/brahms_hungarian_dance_5.ogg');
    assert.equal(top[0], 'Music');
    assert.ok(top.includes('Orchestra') || top.includes('String section'), top.join(', '));
  });

  test('a LibriSpeech clip is Speech', async () => {
    assert.equal((await clipTop('speech/librispeech_198-209-0000.ogg'))[0], 'Speech');
  });

  test('the humpback whale clip is not Music', async () => {
    const top = await clipTop('music/glacier_bay_humpback_nonmusic.ogg', 20);
    assert.notEqual(top[0], 'Music', top.join(', '));
  });
});
