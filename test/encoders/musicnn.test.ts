// MusiCNN: frontend against a hand-computed mel of a tone, float16 rounding, patching, the network against a
// naive Keras-graph reference (random weights here, the published weights in the slow part), tags on real
// clips, style embedding, frame features, errors and tensor lifetimes. No golden outputs exist for MusiCNN.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MusicnnStyleEncoder, MusicnnTagger, musicnnPresets } from '../../src/encoders/musicnn.js';
import {
  compressMel,
  musicnnLogMel,
  patchBatch,
  patchStarts,
  roundToFloat16,
} from '../../src/encoders/musicnnFrontend.js';
import {
  frameFeatureChannels,
  MusicnnNetwork,
  musicnnNetworkPresets,
} from '../../src/encoders/musicnnNetwork.js';
import {
  loadMusicnnNetwork,
  musicnnStateFromKeras,
  parseMusicnnLabels,
} from '../../src/encoders/musicnnWeights.js';
import { V2meowError } from '../../src/errors.js';
import { decodeAudio } from '../../src/media/index.js';
import { liveTensorCount, noGrad, tensor, tidy } from '../../src/torch/index.js';
import { readKerasWeights } from '../../src/weights/kerasHdf5.js';
import { mediaDir, modelsDir, slow } from '../helpers.js';
import { kerasMusicnnReference, randomKerasMusicnn } from './musicnnKerasReference.js';

function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Slaney mel scale written out here, independently of src/dsp. */
const slaneyMel = (hz: number) =>
  hz < 1000 ? (3 * hz) / 200 : 15 + (27 * Math.log(hz / 1000)) / Math.log(6.4);
const slaneyHz = (mel: number) => (mel < 15 ? (200 * mel) / 3 : 1000 * 6.4 ** ((mel - 15) / 27));

describe('MusiCNN frontend', () => {
  test('float16 rounding: ties to even, subnormals, saturation; agrees with the engine cast', () => {
    assert.equal(roundToFloat16(1), 1);
    assert.equal(roundToFloat16(1 + 2 ** -11), 1); // tie -> even mantissa
    assert.equal(roundToFloat16(1 + 3 * 2 ** -11), 1 + 2 ** -9);
    assert.equal(roundToFloat16(0.1), 0.0999755859375);
    assert.equal(roundToFloat16(2 ** -24), 2 ** -24);
    assert.equal(roundToFloat16(2 ** -25), 0);
    assert.equal(roundToFloat16(1e6), 65504);
    assert.equal(roundToFloat16(-3.3), -3.30078125);
    const values = Float32Array.from(
      { length: 2000 },
      (_, i) => Math.exp(((i % 400) - 300) / 25) * (1 + i / 7919),
    );
    const engine = tidy(() => tensor(values).cast('float16').cast('float32').toFloat32Array());
    for (let i = 0; i < values.length; i++)
      assert.equal(roundToFloat16(values[i]!), engine[i], `value ${values[i]}`);
  });

  test('a 1 kHz tone gives the hand-computed log10(10000 mel + 1) in every band', () => {
    // 1000 Hz = FFT bin 32 exactly; with a periodic Hann window an interior frame has |X| = A N / 4 at bin 32
    // and A N / 8 at bins 31 and 33, nothing elsewhere.
    const amplitude = 0.5;
    const samples = Float32Array.from(
      { length: 16000 },
      (_, n) => amplitude * Math.sin((2 * Math.PI * 1000 * n) / 16000),
    );
    const mel = musicnnLogMel(samples);
    assert.equal(mel.numMels, 96);
    assert.equal(mel.numFrames, 1 + Math.floor(16000 / 256));
    const power = new Map([
      [31, ((amplitude * 512) / 8) ** 2],
      [32, ((amplitude * 512) / 4) ** 2],
      [33, ((amplitude * 512) / 8) ** 2],
    ]);
    const maxMel = slaneyMel(8000);
    const frame = 30;
    let loudest = 0;
    let loudestValue = -1;
    for (let m = 0; m < 96; m++) {
      const [lower, centre, upper] = [m, m + 1, m + 2].map((k) => slaneyHz((maxMel * k) / 97)) as [
        number,
        number,
        number,
      ];
      let sum = 0;
      for (const [bin, p] of power) {
        const hz = bin * 31.25;
        const weight = Math.max(
          0,
          Math.min((hz - lower) / (centre - lower), (upper - hz) / (upper - centre)),
        );
        sum += (weight * 2 * p) / (upper - lower);
      }
      const expected = compressMel(sum);
      assert.ok(
        Math.abs(mel.data[frame * 96 + m]! - expected) < 2e-3,
        `band ${m}: ${mel.data[frame * 96 + m]} vs ${expected}`,
      );
      if (expected > loudestValue) [loudest, loudestValue] = [m, expected];
    }
    // 1 kHz is 15 Slaney mel; band m is centred at (m + 1) * 45.24 / 97 mel.
    assert.ok(loudest >= 30 && loudest <= 32, `1 kHz lands in band ${loudest}`);
    assert.equal(compressMel(0), 0);
  });

  test('silence is 0 everywhere; empty input gives one frame', () => {
    assert.ok(musicnnLogMel(new Float32Array(4000)).data.every((v) => v === 0));
    assert.equal(musicnnLogMel(new Float32Array(0)).numFrames, 1);
  });

  test('patches: the reference range, a patch covering the end, short input, bad hop', () => {
    assert.deepEqual(patchStarts(600, 187, 187, false), [0, 187, 374]);
    assert.deepEqual(patchStarts(600, 187, 187, true), [0, 187, 374, 413]);
    assert.deepEqual(patchStarts(561, 187, 187, true), [0, 187, 374]);
    assert.deepEqual(patchStarts(250, 187, 62, false), [0, 62]);
    assert.deepEqual(patchStarts(100, 187, 187, true), [0]);
    assert.throws(() => patchStarts(600, 187, 0, true), V2meowError);
    const mel = { numFrames: 3, numMels: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    assert.deepEqual([...patchBatch(mel, [0, 2], 2)], [1, 2, 3, 4, 5, 6, 0, 0]);
  });
});

describe('MusiCNN network (random weights)', () => {
  const config = { ...musicnnNetworkPresets.debug };

  test('matches the naive Keras-graph reference, including negative batch-norm scales', () => {
    const weights = randomKerasMusicnn(config, 3);
    const network = new MusicnnNetwork(config);
    try {
      tidy(() => network.loadStateDict(musicnnStateFromKeras(weights, config)));
      const frames = 20;
      const mel = Float32Array.from(
        { length: frames * config.numMels },
        (_, i) => Math.abs(Math.sin(i * 0.37)) * 3,
      );
      const ours = noGrad(() =>
        tidy(() => {
          const out = network.forward(tensor(mel, [1, frames, config.numMels]));
          return {
            probabilities: out.probabilities.toFloat32Array(),
            penultimate: out.penultimate.toFloat32Array(),
            frames: out.frameFeatures.contiguous().toFloat32Array(),
          };
        }),
      );
      const reference = kerasMusicnnReference(weights, mel, frames, config.numMels);
      assert.equal(reference.channels, frameFeatureChannels(config));
      assert.ok(maxRelativeDiff(ours.frames, reference.frameFeatures) < 1e-5);
      assert.ok(maxRelativeDiff(ours.penultimate, reference.penultimate) < 1e-5);
      assert.ok(maxRelativeDiff(ours.probabilities, reference.probabilities) < 1e-5);
    } finally {
      network.dispose();
    }
  });

  test('output shapes for a batch and other patch lengths; no tensors leak', () => {
    const network = new MusicnnNetwork(config);
    try {
      const before = liveTensorCount();
      for (const frames of [config.patchFrames, 9]) {
        const shapes = noGrad(() =>
          tidy(() => {
            const out = network.forward(
              tensor(new Float32Array(3 * frames * config.numMels), [3, frames, config.numMels]),
            );
            return [
              out.logits.shape,
              out.probabilities.shape,
              out.penultimate.shape,
              out.frameFeatures.shape,
            ];
          }),
        );
        assert.deepEqual(shapes, [
          [3, config.numTags],
          [3, config.numTags],
          [3, config.backendUnits],
          [3, frames, frameFeatureChannels(config)],
        ]);
      }
      assert.equal(liveTensorCount(), before);
    } finally {
      network.dispose();
    }
    assert.equal(frameFeatureChannels(musicnnNetworkPresets.default), 753);
  });

  test('a Keras file with a wrong layer shape is refused before loading', () => {
    const weights = randomKerasMusicnn({ ...config, midendFilters: 6 }, 4);
    const network = new MusicnnNetwork(config);
    try {
      assert.throws(
        () => tidy(() => network.loadStateDict(musicnnStateFromKeras(weights, config), true, 'x.h5')),
        (error: V2meowError) => error.code === 'SHAPE_MISMATCH' && error.message.includes('x.h5'),
      );
    } finally {
      network.dispose();
    }
  });

  test('labels parse from configuration.py text', () => {
    const labels = parseMusicnnLabels(
      "SR = 16000\nMTT_LABELS = ['guitar', 'no vocals']\nMSD_LABELS = ['rock','Hip-Hop']\n",
    );
    assert.deepEqual(labels, { mtt: ['guitar', 'no vocals'], msd: ['rock', 'Hip-Hop'] });
    assert.throws(() => parseMusicnnLabels('SR = 1'), V2meowError);
  });
});

describe('MusiCNN published models', slow, () => {
  let style: MusicnnStyleEncoder;
  before(async () => {
    style = await MusicnnStyleEncoder.fromPretrained();
  });
  after(() => style?.dispose());

  const load = (file: string, seconds = 15) =>
    decodeAudio(join(mediaDir, file), { sampleRateHz: 16000, durationSec: seconds });

  /** MTT and MSD clip tags together, highest first. */
  const clipTags = (samples: Float32Array) => {
    const pair = style.tagBoth(samples);
    return [
      ...style.mtt.top(pair.mtt.clipProbabilities, 50),
      ...style.msd.top(pair.msd.clipProbabilities, 50),
    ].sort((a, b) => b.score - a.score);
  };

  test('50 MTT and 50 MSD tags; the MTT network matches the Keras-graph reference on a real patch', async () => {
    assert.equal(style.mtt.labels.length, 50);
    assert.equal(style.msd.labels.length, 50);
    assert.equal(style.mtt.labels[0], 'guitar');
    assert.equal(style.msd.labels[49], 'happy');
    const mel = musicnnLogMel(await load('music/brahms_hungarian_dance_5.ogg', 2));
    const frames = 24;
    const patch = mel.data.subarray(40 * 96, (40 + frames) * 96);
    const weights = await readKerasWeights(join(modelsDir, 'musicnn/MTT_musicnn.h5'));
    const reference = kerasMusicnnReference(weights, patch, frames, 96);
    const ours = noGrad(() =>
      tidy(() => {
        const out = style.mtt.network.forward(tensor(patch, [1, frames, 96]));
        return {
          probabilities: out.probabilities.toFloat32Array(),
          frames: out.frameFeatures.contiguous().toFloat32Array(),
        };
      }),
    );
    assert.ok(maxRelativeDiff(ours.frames, reference.frameFeatures) < 1e-4);
    assert.ok(maxRelativeDiff(ours.probabilities, reference.probabilities) < 1e-4);
  });

  test('brahms: classical, strings or violin in the top 5', async () => {
    const top = clipTags(await load('music/brahms_hungarian_dance_5.ogg'))
      .slice(0, 5)
      .map((t) => t.label);
    assert.ok(
      ['classical', 'strings', 'violin'].some((t) => top.includes(t)),
      top.join(', '),
    );
  });

  test('vibe ace: jazz or an audible instrument in the top 5', async () => {
    const top = clipTags(await load('music/kevin_macleod_vibe_ace.ogg'))
      .slice(0, 5)
      .map((t) => t.label);
    assert.ok(
      ['jazz', 'drums', 'piano', 'guitar', 'beat'].some((t) => top.includes(t)),
      top.join(', '),
    );
  });

  test('speech has voice tags; the whale gets no confident MTT tag', async () => {
    const speech = style.mtt.tag(await load('speech/librispeech_198-209-0000.ogg'));
    const voices = [
      'vocal',
      'vocals',
      'voice',
      'female',
      'male',
      'woman',
      'man',
      'singing',
      'female voice',
      'male voice',
    ];
    const speechTop = style.mtt.top(speech.clipProbabilities, 10).map((t) => t.label);
    assert.ok(
      voices.some((t) => speechTop.includes(t)),
      speechTop.join(', '),
    );
    const whale = style.mtt.tag(await load('music/glacier_bay_humpback_nonmusic.ogg', 20));
    assert.ok(
      Math.max(...whale.clipProbabilities) < 0.3,
      style.mtt
        .top(whale.clipProbabilities, 3)
        .map((t) => `${t.label} ${t.score}`)
        .join(', '),
    );
  });

  test('tag result contract: patches, hop, frame features, style vector; no tensors leak', async () => {
    const samples = await load('music/kevin_macleod_vibe_ace.ogg', 7);
    const before = liveTensorCount();
    const result = style.mtt.tag(samples, { hopSeconds: 1, frameFeatures: true });
    const numFrames = 1 + Math.floor(samples.length / 256);
    const regular = Math.floor((numFrames - 187) / 63) + 1;
    assert.equal(result.numPatches, regular + 1); // + the patch ending at the last frame
    assert.equal(result.patchStartSec[1], 63 / 62.5);
    assert.equal(result.probabilities.length, result.numPatches * 50);
    assert.equal(result.penultimate.length, result.numPatches * 200);
    assert.ok(result.probabilities.every((p) => p > 0 && p < 1));
    const features = result.frameFeatures!;
    assert.deepEqual([features.numFrames, features.channels, features.frameRateHz], [numFrames, 753, 62.5]);
    assert.ok(features.data.every(Number.isFinite));
    const embedding = style.styleEmbedding(samples);
    assert.equal(embedding.length, 100);
    assert.equal(style.dim, 100);
    const mtt = style.mtt.tag(samples);
    assert.deepEqual([...embedding.subarray(0, 50)], [...mtt.clipProbabilities]);
    assert.equal(liveTensorCount(), before);
  });

  test('a file that is not HDF5 is refused with its name', async () => {
    const path = join(modelsDir, 'musicnn/configuration.py.txt');
    await assert.rejects(
      loadMusicnnNetwork(path, musicnnPresets.mtt.network),
      (error: V2meowError) => error.code === 'BAD_FORMAT' && error.message.includes(path),
    );
  });
});

describe('MusiCNN debug preset', slow, () => {
  test('tags any waveform with random weights; short clips give one zero-padded patch', async () => {
    const tagger = await MusicnnTagger.fromPretrained('debug');
    try {
      const result = tagger.tag(
        new Float32Array(8000).map((_, i) => Math.sin(i / 5)),
        { frameFeatures: true },
      );
      assert.equal(result.numPatches, 1);
      assert.equal(result.frameFeatures!.numFrames, 1 + Math.floor(8000 / 256));
      assert.equal(result.clipProbabilities.length, 50);
      assert.equal(tagger.top(result.clipProbabilities, 3).length, 3);
    } finally {
      tagger.dispose();
    }
  });
});
