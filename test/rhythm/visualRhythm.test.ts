// Visual rhythm on a synthetic video whose visual beats (direction reversals) are known, and scene cuts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { beatAlignmentScores } from '../../src/rhythm/beatMetrics.js';
import { analyzeVideo } from '../../src/rhythm/videoAnalysis.js';
import { writeBouncingSquareVideo } from './syntheticVideo.js';

const folder = mkdtempSync(join(tmpdir(), 'v2meow-visual-'));
after(() => rmSync(folder, { recursive: true, force: true }));

for (const bpm of [75, 100, 130]) {
  test(`bouncing square at ${bpm} reversals/min: visual tempo within 3%, visual-beat F1 >= 0.9 at 8 fps`, async () => {
    const video = writeBouncingSquareVideo(join(folder, `bounce${bpm}.mp4`), { bpm, durationSec: 16 });
    const analysis = await analyzeVideo(video.path, { motionFps: 8 });
    assert.equal(analysis.motionFrameCount, 128);
    assert.ok(Math.abs(analysis.tempoBpm / bpm - 1) < 0.03, `visual tempo ${analysis.tempoBpm} vs ${bpm}`);
    const scores = beatAlignmentScores(analysis.beatsSec, video.reversalsSec, 0.07);
    assert.ok(scores.f1 >= 0.9, `visual-beat F1 ${scores.f1} (${scores.numAligned}/${scores.numReference})`);
    assert.deepEqual(analysis.cutsSec, []);
  });
}

test('a hard cut is found within one motion frame and semantic frames come from the same decode', async () => {
  const video = writeBouncingSquareVideo(join(folder, 'cut.mp4'), { bpm: 100, durationSec: 12, cutSec: 6.3 });
  const semanticTimes: number[] = [];
  const analysis = await analyzeVideo(video.path, {
    motionFps: 8,
    semantic: { fps: 1, size: 64, onFrame: (frame) => void semanticTimes.push(frame.timeSec) },
  });
  assert.equal(analysis.cutsSec.length, 1);
  assert.ok(Math.abs(analysis.cutsSec[0]! - 6.3) <= 0.125, `cut at ${analysis.cutsSec[0]}`);
  assert.deepEqual(semanticTimes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.ok(Math.abs(analysis.tempoBpm / 100 - 1) < 0.03, `tempo ${analysis.tempoBpm}`);
});
