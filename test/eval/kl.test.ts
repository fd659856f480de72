// KL over AudioSet class distributions: exact values on small distributions, 0 for identical clips, and with
// real YAMNet scores, music vs speech above music vs music (all classes and music classes).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Yamnet } from '../../src/encoders/yamnet.js';
import { genreClassIndices, musicClassIndices, numMusicClasses } from '../../src/eval/audiosetClasses.js';
import { classDistribution, clipKl, klDivergence } from '../../src/eval/kl.js';
import { cosineSimilarity } from '../../src/eval/style.js';
import { decodeAudio } from '../../src/media/audio.js';
import { mediaDir, slow } from '../helpers.js';

test('klDivergence: known value, zero for identical, asymmetric', () => {
  assert.equal(klDivergence([0.5, 0.5], [0.5, 0.5]), 0);
  const expected = 0.9 * Math.log(0.9 / 0.5) + 0.1 * Math.log(0.1 / 0.5);
  assert.ok(Math.abs(klDivergence([0.9, 0.1], [0.5, 0.5]) - expected) < 1e-12);
  assert.notEqual(klDivergence([0.9, 0.1], [0.5, 0.5]), klDivergence([0.5, 0.5], [0.9, 0.1]));
});

test('classDistribution sums to 1 over all classes, or selected classes plus one bin for the rest; identical clips have KL 0', () => {
  const scores = Float32Array.from({ length: 521 }, (_, i) => (i % 7) / 7);
  const all = classDistribution(scores);
  assert.ok(Math.abs(all.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const subset = classDistribution(Float32Array.from([0.5, 0.25, 0.25, 1]), [0, 3]);
  assert.equal(subset.length, 3);
  const total = 2 + 4 * 1e-6;
  assert.ok(Math.abs(subset[0]! - (0.5 + 1e-6) / total) < 1e-12);
  assert.ok(Math.abs(subset[1]! - (1 + 1e-6) / total) < 1e-12);
  assert.ok(Math.abs(subset[2]! - (0.5 + 2e-6) / total) < 1e-12);
  assert.ok(Math.abs(subset.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(clipKl(scores, scores), 0);
  assert.equal(clipKl(scores, scores, [5, 6, 7]), 0);
});

test('cosineSimilarity: 1 for parallel, 0 for orthogonal or zero vectors', () => {
  assert.ok(Math.abs(cosineSimilarity([1, 2, 3], [2, 4, 6]) - 1) < 1e-12);
  assert.equal(cosineSimilarity([1, 0], [0, 1]), 0);
  assert.equal(cosineSimilarity([0, 0], [1, 1]), 0);
});

let yamnet: Yamnet | undefined;
before(async () => {
  if (!slow.skip) yamnet = await Yamnet.fromPretrained();
});
after(() => yamnet?.dispose());

async function clipScores(path: string): Promise<Float32Array> {
  const samples = await decodeAudio(path, { sampleRateHz: 16000, durationSec: 10 });
  return yamnet!.clipScores(yamnet!.run(samples));
}

test('YAMNet label ranges: 145 music classes from "Music", 50 genres from "Pop music"', slow, () => {
  const music = musicClassIndices(yamnet!.labels);
  assert.equal(music.length, numMusicClasses);
  assert.equal(yamnet!.labels[music[0]!], 'Music');
  assert.equal(yamnet!.labels[music.at(-1)!], 'Scary music');
  const genres = genreClassIndices(yamnet!.labels);
  assert.equal(yamnet!.labels[genres[0]!], 'Pop music');
  assert.ok(genres.every((g) => music.includes(g)));
});

test('real clips: KL(music, speech) > KL(music, music), all classes and music classes', slow, async () => {
  const music = await Promise.all(
    [
      'brahms_hungarian_dance_5.ogg',
      'kevin_macleod_vibe_ace.ogg',
      'tempo/warzone2100_legacy_track16_125bpm.opus',
    ].map((f) => clipScores(join(mediaDir, 'music', f))),
  );
  const speech = await Promise.all(
    ['librispeech_198-209-0000.ogg', 'lyra_sample1_16kHz.wav'].map((f) =>
      clipScores(join(mediaDir, 'speech', f)),
    ),
  );
  const musicIndices = musicClassIndices(yamnet!.labels);
  for (const indices of [undefined, musicIndices]) {
    const musicMusic: number[] = [];
    const musicSpeech: number[] = [];
    for (const [i, a] of music.entries()) {
      assert.equal(clipKl(a, a, indices), 0);
      for (const [j, b] of music.entries()) if (i !== j) musicMusic.push(clipKl(a, b, indices));
      for (const s of speech) musicSpeech.push(clipKl(a, s, indices));
    }
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
    assert.ok(
      mean(musicSpeech) > mean(musicMusic),
      `${indices ? 'music classes' : 'all classes'}: music-speech ${mean(musicSpeech)} vs music-music ${mean(musicMusic)}`,
    );
  }
});
