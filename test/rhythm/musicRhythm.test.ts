// Music rhythm on synthetic click tracks and drum patterns (known tempo and beats) and on real excerpts with a
// published tempo (../shared/media/music/tempo).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { beatF1 } from '../../src/rhythm/beatMetrics.js';
import { analyzeMusicFile, analyzeMusicRhythm } from '../../src/rhythm/musicRhythm.js';
import { mediaDir, slow } from '../helpers.js';
import { clickTrack, drumPattern } from './synthetic.js';

const sampleRateHz = 22050;

for (const bpm of [60, 90, 120, 150]) {
  test(`click track at ${bpm} bpm: tempo within 2%, beat F1 >= 0.95 at 70 ms`, () => {
    const { samples, beatsSec } = clickTrack(bpm, 20, sampleRateHz);
    const rhythm = analyzeMusicRhythm(samples, sampleRateHz);
    assert.ok(Math.abs(rhythm.tempoBpm / bpm - 1) < 0.02, `tempo ${rhythm.tempoBpm} vs ${bpm}`);
    const f1 = beatF1(rhythm.beatsSec, beatsSec, 0.07);
    assert.ok(f1 >= 0.95, `F1 ${f1}`);
  });

  test(`drum pattern at ${bpm} bpm: tempo within 2%, beat F1 >= 0.95 at 70 ms`, () => {
    const { samples, beatsSec } = drumPattern(bpm, 20, sampleRateHz, bpm);
    const rhythm = analyzeMusicRhythm(samples, sampleRateHz);
    assert.ok(Math.abs(rhythm.tempoBpm / bpm - 1) < 0.02, `tempo ${rhythm.tempoBpm} vs ${bpm}`);
    const f1 = beatF1(rhythm.beatsSec, beatsSec, 0.07);
    assert.ok(f1 >= 0.95, `F1 ${f1}`);
  });
}

test('drum pattern at 120 bpm resampled from 44.1 kHz gives the same tempo', () => {
  const { samples } = drumPattern(120, 12, 44100, 7);
  const rhythm = analyzeMusicRhythm(samples, 44100);
  assert.ok(Math.abs(rhythm.tempoBpm / 120 - 1) < 0.02, `tempo ${rhythm.tempoBpm}`);
});

test('drum pattern downbeats fall on the kick beats (meter 4 or 2-beat phase)', () => {
  const { samples, beatsSec } = drumPattern(100, 20, sampleRateHz, 3);
  const rhythm = analyzeMusicRhythm(samples, sampleRateHz);
  const kicks = beatsSec.filter((_, i) => i % 2 === 0);
  assert.ok(rhythm.downbeatsSec.length >= 4);
  // Every downbeat found must be a kick beat (within 70 ms).
  const onKick = rhythm.downbeatsSec.filter((d) => kicks.some((k) => Math.abs(k - d) < 0.07)).length;
  assert.equal(onKick, rhythm.downbeatsSec.length);
});

const tempoDir = join(mediaDir, 'music', 'tempo');
for (const [file, bpm] of [
  ['warzone2100_legacy_track13_130bpm.opus', 130],
  ['warzone2100_legacy_track16_125bpm.opus', 125],
] as const) {
  test(`real excerpt ${file}: tempo within 4% of ${bpm} (half/double is a miss)`, slow, async () => {
    const rhythm = await analyzeMusicFile(join(tempoDir, file));
    assert.ok(Math.abs(rhythm.tempoBpm / bpm - 1) < 0.04, `tempo ${rhythm.tempoBpm} vs ${bpm}`);
    assert.ok(rhythm.beatsSec.length > (30 * bpm) / 60 / 2, `only ${rhythm.beatsSec.length} beats`);
  });
}

test('80 bpm excerpt: tempo is 80 or its double (the 80/160 ambiguity is real)', slow, async () => {
  const rhythm = await analyzeMusicFile(join(tempoDir, 'warzone2100_legacy_track4_80bpm.opus'));
  const ratio = rhythm.tempoBpm / 80;
  assert.ok(Math.abs(ratio - 1) < 0.04 || Math.abs(ratio - 2) < 0.08, `tempo ${rhythm.tempoBpm}`);
});
