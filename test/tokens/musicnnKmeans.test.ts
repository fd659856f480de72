// The MusiCNN + k-means semantic tokenizer (src/tokens): 25 Hz pooling, shapes and ranges of tokens, determinism,
// save -> load round trip, a tiny end-to-end fit with the debug MusiCNN, how cutting a clip changes tokens, and
// (slow) the committed tokenizer on a shared clip.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MusicnnTagger } from '../../src/encoders/musicnn.js';
import { decodeAudio } from '../../src/media/audio.js';
import { fitSemanticTokenizer } from '../../src/tokens/fitSemantic.js';
import { layerChannels, poolToSemanticFrames, semanticFeatures } from '../../src/tokens/musicnnFeatures.js';
import { loadSemanticTokenizer, type MusicnnKmeansTokenizer } from '../../src/tokens/musicnnKmeans.js';
import { liveTensorCount, manualSeed } from '../../src/torch/index.js';
import { createRandom } from '../../src/util/random.js';
import { mediaDir, slow } from '../helpers.js';

const rate = 16000;

/** A test melody: notes of `seconds / noteSeconds` pitches over soft noise, seeded. */
function melody(seconds: number, seed: number, noteSeconds = 0.4): Float32Array {
  const random = createRandom(seed);
  const out = new Float32Array(Math.round(seconds * rate));
  let pitch = 220;
  for (let i = 0; i < out.length; i++) {
    if (i % Math.round(noteSeconds * rate) === 0) pitch = 110 * 2 ** (Math.floor(random() * 36) / 12);
    out[i] = 0.3 * Math.sin((2 * Math.PI * pitch * i) / rate) + 0.02 * (random() * 2 - 1);
  }
  return out;
}

/** The debug MusiCNN (random weights), the same every call. */
async function debugTagger(): Promise<MusicnnTagger> {
  manualSeed(11);
  return MusicnnTagger.fromPretrained('debug');
}

let tokenizer: MusicnnKmeansTokenizer;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'v2meow-semantic-'));
  const clips = [0, 1, 2, 3].map((seed) => melody(6, seed));
  tokenizer = fitSemanticTokenizer(
    await debugTagger(),
    clips.length,
    (i) => clips[i]!,
    {
      settings: { musicnn: 'debug', layer: 'all', pooling: 'meanMax', patchHopSeconds: 1.5, numClusters: 16 },
      maxFitFrames: 10000,
      kmeansIterations: 20,
      seed: 3,
    },
    { corpus: 'synthetic melodies' },
  );
});

after(() => {
  tokenizer.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a 10 s clip gives 250 tokens in 0..K-1, the same every time, without leaking tensors', () => {
  const clip = melody(10, 9);
  const before = liveTensorCount();
  const tokens = tokenizer.tokenize(clip);
  assert.equal(liveTensorCount(), before);
  assert.equal(tokens.length, 250);
  assert.ok(tokens.every((t) => t >= 0 && t < 16));
  assert.ok(new Set(tokens).size > 1, 'a melody should use more than one token');
  assert.deepEqual(tokenizer.tokenize(clip), tokens);
  assert.equal(tokenizer.frameRateHz, 25);
  assert.equal(tokenizer.vocabularySize, 16);
  // Partial frames are dropped: 10.02 s still gives 250, 10.04 s 251; a clip under one frame gives none.
  assert.equal(tokenizer.tokenize(melody(10.02, 9)).length, 250);
  assert.equal(tokenizer.tokenize(melody(10.04, 9)).length, 251);
  assert.equal(tokenizer.tokenize(new Float32Array(600)).length, 0);
  assert.equal(tokenizer.tokenize(new Float32Array(700)).length, 1);
});

test('save -> load gives the same id and identical tokens', async () => {
  tokenizer.save(dir);
  const loaded = await loadSemanticTokenizer(dir, await debugTagger());
  try {
    assert.equal(loaded.id, tokenizer.id);
    assert.deepEqual(loaded.config, tokenizer.config);
    const clip = melody(10, 21);
    assert.deepEqual(loaded.tokenize(clip), tokenizer.tokenize(clip));
    assert.equal((loaded.provenance as { corpus: string }).corpus, 'synthetic melodies');
  } finally {
    loaded.dispose();
  }
  await assert.rejects(loadSemanticTokenizer(join(dir, 'missing')), /no semantic tokenizer/);
});

test('25 Hz pooling: frame k pools MusiCNN frames ceil(2.5k) .. ceil(2.5(k+1)) - 1', () => {
  const numFrames = 11; // 62.5 Hz frames of 0.16 s: 4 semantic frames
  const channels = 2;
  const data = Float32Array.from({ length: numFrames * channels }, (_, i) => (i % 2 === 0 ? i / 2 : -i));
  const frames = { numFrames, channels, frameRateHz: 62.5, data };
  const mean = poolToSemanticFrames(frames, 4, [0, 1], 'mean');
  // Frames {0,1,2}, {3,4}, {5,6,7}, {8,9}.
  assert.deepEqual([...mean], [1, 3.5, 6, 8.5]);
  const meanMax = poolToSemanticFrames(frames, 4, [1, 2], 'meanMax');
  assert.deepEqual([...meanMax], [-3, -1, -8, -7, -13, -11, -18, -17]);
});

test('cutting a clip at a point on the patch grid changes tokens only near the cut', async () => {
  // 94 MusiCNN frames (the 1.5 s hop) x 256 samples and 640-sample semantic frames meet every 120320 samples.
  const clip = melody(20, 5);
  const cut = 120320;
  const shift = cut / 640; // 188 semantic frames
  const full = tokenizer.tokenize(clip);
  const part = tokenizer.tokenize(clip.subarray(cut));
  // The first 1.5 s of the cut clip lose the overlapping patch before them; the end is the same audio.
  let agree = 0;
  let total = 0;
  for (let k = 40; k < part.length - 40; k++, total++) if (part[k] === full[k + shift]) agree++;
  assert.ok(total > 100);
  assert.ok(agree / total >= 0.95, `${agree}/${total} interior tokens agree`);
  const channels = layerChannels(tokenizer.tagger.config.network, 'all');
  assert.deepEqual(channels, [0, 2 * 8 + 3 * 4 + 3 * 8]);
  const a = semanticFeatures(tokenizer.tagger, clip, tokenizer.config);
  const b = semanticFeatures(tokenizer.tagger, clip.subarray(cut), tokenizer.config);
  const dim = tokenizer.config.featureDim;
  let worst = 0;
  for (let k = 40; k < part.length - 40; k++)
    for (let d = 0; d < dim; d++)
      worst = Math.max(
        worst,
        Math.abs(a[(k + shift) * dim + d]! - b[k * dim + d]!) / (Math.abs(a[(k + shift) * dim + d]!) + 1e-3),
      );
  assert.ok(worst < 1e-3, `interior features differ by ${worst}`);
});

test('the committed tokenizer loads and tokenizes a shared clip', slow, async () => {
  const clip = await decodeAudio(join(mediaDir, 'music', 'kevin_macleod_vibe_ace.ogg'), {
    sampleRateHz: rate,
    durationSec: 10,
  });
  const committed = await loadSemanticTokenizer();
  try {
    const tokens = committed.tokenize(clip);
    assert.equal(tokens.length, 250);
    assert.ok(tokens.every((t) => t >= 0 && t < committed.vocabularySize));
    assert.ok(new Set(tokens).size >= 10, `${new Set(tokens).size} distinct tokens in 10 s of music`);
    assert.deepEqual(committed.tokenize(clip), tokens);
    assert.match(committed.id, /^musicnn-kmeans-/);
  } finally {
    committed.dispose();
  }
});
