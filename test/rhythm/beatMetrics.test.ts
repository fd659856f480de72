// BCS / BHS / F1 (Yu et al. 2023 adjustment): hand-computed cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beatAlignmentScores, beatF1, countAlignedBeats } from '../../src/rhythm/beatMetrics.js';

test('perfect alignment scores 1 and empty inputs score 0', () => {
  const beats = [0.5, 1, 1.5, 2];
  assert.deepEqual(
    { ...beatAlignmentScores(beats, beats, 0.05) },
    {
      beatCoverageScore: 1,
      beatHitScore: 1,
      f1: 1,
      numAligned: 4,
      numGenerated: 4,
      numReference: 4,
      toleranceSec: 0.05,
    },
  );
  assert.equal(beatAlignmentScores([], beats).f1, 0);
  assert.equal(beatAlignmentScores(beats, []).f1, 0);
});

test('BCS is aligned/generated, BHS aligned/reference, F1 their harmonic mean', () => {
  const reference = [1, 2, 3, 4];
  const generated = [1.03, 2.2, 3.0, 3.05, 5];
  const scores = beatAlignmentScores(generated, reference, 0.07);
  // 1.03 -> 1, 3.0 -> 3; 3.05 cannot reuse 3; 2.2 and 5 are outside the tolerance.
  assert.equal(scores.numAligned, 2);
  assert.equal(scores.beatCoverageScore, 2 / 5);
  assert.equal(scores.beatHitScore, 2 / 4);
  assert.ok(Math.abs(scores.f1 - (2 * 0.4 * 0.5) / 0.9) < 1e-12);
});

test('the tolerance parameter widens the window, and matching stays one-to-one', () => {
  assert.equal(countAlignedBeats([1.09], [1], 0.07), 0);
  assert.equal(countAlignedBeats([1.09], [1], 0.1), 1);
  assert.equal(countAlignedBeats([0.98, 1.01, 1.02], [1], 0.1), 1);
  // Nearest pairs first: 1.95 belongs to 2, so 1.04 can still take 1.
  assert.equal(countAlignedBeats([1.04, 1.95], [1, 2], 0.07), 2);
  assert.equal(beatF1([0.5, 1.0], [0.5, 1.0, 1.5, 2.0]), 2 / 3);
});
