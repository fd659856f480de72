// Rhythm curves (src/features/curves.ts): the shared normalisation helpers on known inputs; the music beat
// phase has the right period on the shared tempo excerpts (125, 130, 80 bpm); on the 120 bpm demo clip of
// scripts/demo.sh the video curves and the music curves peak within 70 ms of each other on >= 90% of beats.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  beatPhase,
  curveChannel,
  envelopeOnGrid,
  eventBumps,
  musicCurves,
  musicCurvesOfFile,
  noveltyPeaks,
  scaleToUnit,
  timbreNovelty,
  videoCurvesOfFile,
} from '../../src/features/curves.js';
import { type CurveSet, curveNames } from '../../src/features/streams.js';
import { semanticRateHz } from '../../src/features/timeline.js';
import { mediaDir, slow } from '../helpers.js';
import { writeBouncingSquareVideo } from '../rhythm/syntheticVideo.js';
import { writeDemoClip } from './demoClip.js';

const folder = mkdtempSync(join(tmpdir(), 'v2meow-curves-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const argmax = (values: Float32Array) => values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);

/** Tempo in bpm from the slope of the unwrapped beat phase (least squares over the clip). */
function phaseTempoBpm(curves: CurveSet): number {
  const sin = curveChannel(curves, 'beatSin');
  const cos = curveChannel(curves, 'beatCos');
  let offset = 0;
  let previous = 0;
  const points: [number, number][] = [];
  for (let k = 0; k < curves.numFrames; k++) {
    const phase = Math.atan2(sin[k]!, cos[k]!) / (2 * Math.PI);
    if (k > 0 && phase - previous < -0.5) offset++;
    if (k > 0 && phase - previous > 0.5) offset--;
    previous = phase;
    points.push([(k + 0.5) / semanticRateHz, phase + offset]);
  }
  const n = points.length;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const mp = points.reduce((a, [, p]) => a + p, 0) / n;
  const cov = points.reduce((a, [t, p]) => a + (t - mt) * (p - mp), 0);
  const vt = points.reduce((a, [t]) => a + (t - mt) ** 2, 0);
  return (60 * cov) / vt;
}

test('envelopeOnGrid: max-pools dense envelopes per 40 ms frame, interpolates sparse ones at frame centres', () => {
  const dense = new Float32Array(100);
  dense[13] = 2; // 13 / 100 s = 0.13 s -> frame 3 ([0.12, 0.16))
  dense[14] = 1;
  const pooled = envelopeOnGrid({ values: dense, frameRateHz: 100 }, 25);
  assert.equal(pooled[3], 2);
  assert.equal(argmax(pooled), 3);
  assert.equal(pooled[4], 0);
  const sparse = Float32Array.from([0, 0, 1, 0, 0, 0, 0, 0]); // 8 Hz: peak at 0.25 s
  const grid = envelopeOnGrid({ values: sparse, frameRateHz: 8 }, 25);
  assert.equal(argmax(grid), 6); // frame 6 = [0.24, 0.28), centre 0.26 s
  assert.ok(Math.abs(grid[6]! - (1 - 0.08)) < 1e-5, `value ${grid[6]}`);
});

test('scaleToUnit maps the 98th percentile to 1, clips, and leaves silence at zero', () => {
  const values = Float32Array.from({ length: 100 }, (_, i) => i);
  const scaled = scaleToUnit(values);
  assert.equal(scaled[98], 1);
  assert.equal(scaled[99], 1);
  assert.ok(Math.abs(scaled[49]! - 49 / 98) < 1e-6);
  assert.deepEqual(Array.from(scaleToUnit(new Float32Array(5))), [0, 0, 0, 0, 0]);
});

test('eventBumps peak at 1 in the frame holding each event; beatPhase is 0 on beats', () => {
  const bumps = eventBumps([1.01, 3.02], 100);
  assert.equal(argmax(bumps.subarray(0, 50)), 25);
  assert.ok(bumps[25]! > 0.95 && bumps[75]! > 0.9 && bumps[50]! === 0);
  const beats = [0.5, 1, 1.5, 2, 2.5];
  const { sin, cos } = beatPhase(beats, 75);
  for (const b of [0.5, 1, 1.5, 2, 2.5]) {
    const k = Math.floor(b * semanticRateHz);
    assert.ok(cos[k]! > 0.9, `cos ${cos[k]} at beat ${b}`);
  }
  // Halfway between beats the phase is 0.5: cos -1.
  assert.ok(cos[Math.floor(0.75 * semanticRateHz)]! < -0.9);
  // Extended before the first and after the last beat.
  assert.ok(cos[Math.floor(0 * semanticRateHz)]! > 0.9 && cos[74]! > 0.9);
  assert.ok(sin.some((v) => v > 0.9) && sin.some((v) => v < -0.9));
  assert.deepEqual(Array.from(beatPhase([1], 5).cos), [0, 0, 0, 0, 0]);
});

test('timbre novelty finds a change from noise to a tone in the middle of a clip', () => {
  const rate = 16000;
  const samples = new Float32Array(8 * rate);
  let seed = 1;
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    samples[i] =
      i < 4 * rate ? 0.3 * (seed / 2147483648 - 0.5) : 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate);
  }
  const peaks = noveltyPeaks(timbreNovelty(samples, rate, 200));
  assert.equal(peaks.length, 1, `peaks ${peaks}`);
  // The 2048-sample analysis window smears the change over about three frames.
  assert.ok(Math.abs(peaks[0]! - 4) <= 0.12, `boundary at ${peaks[0]}`);
});

test('musicCurves: 25 Hz, one row per 640 samples, channels in range, silence gives zeros', () => {
  const curves = musicCurves(new Float32Array(16000 * 4));
  assert.equal(curves.rateHz, 25);
  assert.equal(curves.numFrames, 100);
  assert.equal(curves.dim, curveNames.length);
  assert.ok(curves.data.every((v) => v === 0));
});

const tempoDir = join(mediaDir, 'music', 'tempo');
for (const [file, bpm] of [
  ['warzone2100_legacy_track16_125bpm.opus', 125],
  ['warzone2100_legacy_track13_130bpm.opus', 130],
  ['warzone2100_legacy_track4_80bpm.opus', 80],
] as const) {
  test(`beat phase of ${file} has the period of ${bpm} bpm within 2%`, slow, async (t) => {
    const { curves } = await musicCurvesOfFile(join(tempoDir, file));
    const tempo = phaseTempoBpm(curves);
    t.diagnostic(`${file}: beat phase at ${tempo.toFixed(2)} bpm`);
    assert.ok(Math.abs(tempo / bpm - 1) < 0.02, `beat phase runs at ${tempo.toFixed(2)} bpm`);
    for (const name of ['onset', 'energy', 'downbeat', 'boundary'] as const) {
      const values = curveChannel(curves, name);
      assert.ok(
        values.every((v) => v >= 0 && v <= 1),
        `${name} in [0, 1]`,
      );
      assert.ok(
        values.some((v) => v > 0.5),
        `${name} has peaks`,
      );
    }
  });
}

test('120 bpm demo clip: video and music curves peak within 70 ms of each other on >= 90% of beats', async (t) => {
  const path = join(folder, 'demo_clip.mp4');
  writeDemoClip(path, 10);
  const music = await musicCurvesOfFile(path);
  const video = await videoCurvesOfFile(path);
  // The AAC track may run a frame longer than the picture.
  assert.equal(video.curves.numFrames, 250);
  assert.ok(Math.abs(music.curves.numFrames - 250) <= 1, `${music.curves.numFrames} music frames`);
  assert.ok(music.rhythm.beatsSec.length >= 18, `${music.rhythm.beatsSec.length} music beats`);
  for (const name of ['onset', 'beatCos'] as const) {
    const m = curveChannel(music.curves, name);
    const v = curveChannel(video.curves, name);
    let aligned = 0;
    const beats = music.rhythm.beatsSec;
    const offsets: number[] = [];
    for (const beat of beats) {
      // The peak of each curve within a quarter period (0.125 s) of the beat.
      const first = Math.max(0, Math.floor((beat - 0.125) * semanticRateHz));
      const end = Math.min(250, Math.ceil((beat + 0.125) * semanticRateHz));
      const offset = (argmax(v.subarray(first, end)) - argmax(m.subarray(first, end))) / semanticRateHz;
      offsets.push(offset);
      if (Math.abs(offset) <= 0.07 + 1e-9) aligned++;
    }
    const meanMs = (1000 * offsets.reduce((a, b) => a + Math.abs(b), 0)) / offsets.length;
    t.diagnostic(
      `${name}: ${aligned}/${beats.length} beats within 70 ms, mean |offset| ${meanMs.toFixed(0)} ms`,
    );
    assert.ok(
      aligned >= 0.9 * beats.length,
      `${name}: ${aligned}/${beats.length} aligned, offsets ${offsets}`,
    );
  }
});

test('video curves of a bouncing square with a cut: beat phase at the reversal rate, a boundary at the cut', async () => {
  const video = writeBouncingSquareVideo(join(folder, 'cut.mp4'), { bpm: 100, durationSec: 12, cutSec: 6.3 });
  const { curves, analysis } = await videoCurvesOfFile(video.path);
  assert.equal(curves.numFrames, 300);
  const tempo = phaseTempoBpm(curves);
  assert.ok(Math.abs(tempo / 100 - 1) < 0.03, `beat phase at ${tempo} bpm`);
  const boundary = curveChannel(curves, 'boundary');
  assert.deepEqual(analysis.cutsSec.length, 1);
  assert.ok(
    Math.abs(argmax(boundary) - 6.3 * semanticRateHz) <= 4,
    `boundary peak at frame ${argmax(boundary)}`,
  );
  assert.ok(boundary.filter((v) => v > 0.5).length <= 3, 'one narrow bump');
  for (const name of ['onset', 'energy', 'downbeat'] as const)
    assert.ok(
      curveChannel(curves, name).every((v) => v >= 0 && v <= 1),
      `${name} in [0, 1]`,
    );
});
