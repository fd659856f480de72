// Beat alignment on the segment protocol: exact values for known offsets, missing and extra beats on beat
// grids, segment sampling, and the whole pipeline (beat tracker + protocol) on synthetic click tracks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { segmentBeatScores, segmentStarts, wholeClipBeatScores } from '../../src/eval/beatProtocol.js';
import { analyzeMusicRhythm } from '../../src/rhythm/musicRhythm.js';

/** Beats every `periodSec` from `firstSec` up to durationSec. */
const grid = (periodSec: number, durationSec: number, firstSec = 0.25) => {
  const beats: number[] = [];
  for (let t = firstSec; t < durationSec; t += periodSec) beats.push(Math.round(t * 1e6) / 1e6);
  return beats;
};

const close = (actual: number | null | undefined, expected: number, tolerance = 1e-9) =>
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `${actual} vs ${expected}`,
  );

test('segmentStarts spreads starts evenly and skips clips shorter than the segment', () => {
  assert.deepEqual(segmentStarts(20, 10, 3), [0, 5, 10]);
  assert.deepEqual(segmentStarts(10, 10, 5), [0]);
  assert.deepEqual(segmentStarts(5, 6, 5), []);
  assert.deepEqual(segmentStarts(12, 2, 1), [0]);
});

test('offset within tolerance scores 1, beyond it 0; per length and mean', () => {
  const reference = grid(0.5, 20);
  const pair = (offset: number) => [
    { generatedSec: reference.map((t) => t + offset), referenceSec: reference, durationSec: 20 },
  ];
  const inside = segmentBeatScores(pair(0.04));
  for (const length of ['2', '6', '10']) close(inside.byLength[length]?.beatF1, 1);
  close(inside.mean?.beatCoverage, 1);
  close(inside.mean?.beatHit, 1);
  assert.equal(inside.mean?.numSegments, 15);
  const outside = segmentBeatScores(pair(0.1));
  close(outside.mean?.beatF1, 0);
  // A tolerance of 0.12 s accepts the 0.1 s offset again.
  close(segmentBeatScores(pair(0.1), { toleranceSec: 0.12 }).mean?.beatF1, 1);
});

test('every other beat missing: BCS 1, BHS 1/2, F1 2/3; double-time: BCS 1/2, BHS 1', () => {
  const reference = grid(0.5, 20);
  const half = reference.filter((_, i) => i % 2 === 0);
  // 10 s segments hold 20 reference beats and 10 generated ones (starts on the grid: 0, 2.5, 5, 7.5, 10 s).
  const missing = segmentBeatScores([{ generatedSec: half, referenceSec: reference, durationSec: 20 }], {
    segmentLengthsSec: [10],
  });
  close(missing.mean?.beatCoverage, 1);
  close(missing.mean?.beatHit, 0.5);
  close(missing.mean?.beatF1, 2 / 3);
  const doubled = segmentBeatScores([{ generatedSec: reference, referenceSec: half, durationSec: 20 }], {
    segmentLengthsSec: [10],
  });
  close(doubled.mean?.beatCoverage, 0.5);
  close(doubled.mean?.beatHit, 1);
});

test('segments with no beats on either side are skipped; none at all gives null', () => {
  const scores = segmentBeatScores([{ generatedSec: [], referenceSec: [], durationSec: 20 }]);
  assert.equal(scores.mean, null);
  const partial = segmentBeatScores([{ generatedSec: [], referenceSec: grid(0.5, 20), durationSec: 20 }]);
  close(partial.mean?.beatF1, 0);
  close(partial.mean?.beatHit, 0);
});

test('whole-clip scores average over pairs', () => {
  const reference = grid(0.5, 10);
  const scores = wholeClipBeatScores([
    { generatedSec: reference, referenceSec: reference, durationSec: 10 },
    { generatedSec: reference.map((t) => t + 0.2), referenceSec: reference, durationSec: 10 },
  ]);
  close(scores?.beatF1, 0.5);
});

/** A 1 kHz click on each beat, 22.05 kHz. */
function clicks(beatsSec: readonly number[], durationSec: number, sampleRateHz = 22050): Float32Array {
  const out = new Float32Array(Math.round(durationSec * sampleRateHz));
  for (const beat of beatsSec) {
    const start = Math.round(beat * sampleRateHz);
    for (let i = 0; i < 0.02 * sampleRateHz && start + i < out.length; i++)
      out[start + i]! +=
        0.5 * Math.sin((2 * Math.PI * 1000 * i) / sampleRateHz) * Math.exp(-i / sampleRateHz / 0.005);
  }
  return out;
}

test('click tracks through the beat tracker: 30 ms offset ~1, half-period offset ~0, every other click missing halves BHS', () => {
  const durationSec = 20;
  const beats = grid(0.5, durationSec, 0.5);
  const track = (times: readonly number[]) => analyzeMusicRhythm(clicks(times, durationSec), 22050).beatsSec;
  const reference = track(beats);
  const score = (generatedSec: number[]) =>
    segmentBeatScores([{ generatedSec, referenceSec: reference, durationSec }]).mean!;
  const shifted = score(track(beats.map((t) => t + 0.03)));
  assert.ok(shifted.beatF1 > 0.9, `30 ms offset F1 ${shifted.beatF1}`);
  const offbeat = score(track(beats.map((t) => t + 0.25)));
  assert.ok(offbeat.beatF1 < 0.15, `half-period offset F1 ${offbeat.beatF1}`);
  // Every other click missing: the tracker follows the half tempo, so BCS ~1, BHS ~1/2, F1 ~2/3.
  const halfTempo = score(track(beats.filter((_, i) => i % 2 === 0)));
  assert.ok(halfTempo.beatCoverage > 0.9, `BCS ${halfTempo.beatCoverage}`);
  assert.ok(Math.abs(halfTempo.beatHit - 0.5) < 0.08, `BHS ${halfTempo.beatHit}`);
  assert.ok(Math.abs(halfTempo.beatF1 - 2 / 3) < 0.08, `F1 ${halfTempo.beatF1}`);
});
