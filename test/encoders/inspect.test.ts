// inspectMedia and `v2meow inspect --json` on real audio and video.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { inspectMedia } from '../../src/encoders/inspect.js';
import { mediaDir, repoRoot, slow } from '../helpers.js';

describe('inspect', slow, () => {
  test('`v2meow inspect brahms --json`: clip.yamnet[0] is Music, sorted; MusiCNN clip tags sorted', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(repoRoot, 'bin/v2meow.js'),
      'inspect',
      join(mediaDir, 'music/brahms_hungarian_dance_5.ogg'),
      '--json',
    ]);
    const report = JSON.parse(stdout);
    assert.equal(report.clip.yamnet[0].label, 'Music');
    const scores = report.clip.yamnet.map((c: { score: number }) => c.score);
    assert.deepEqual(
      scores,
      [...scores].sort((a: number, b: number) => b - a),
    );
    const tags = report.clip.musicnn.map((c: { score: number }) => c.score);
    assert.deepEqual(
      tags,
      [...tags].sort((a: number, b: number) => b - a),
    );
    assert.ok(report.clip.musicnn.slice(0, 5).some((c: { label: string }) => c.label === 'classical'));
    assert.ok(report.audio.musicnnPatches.length >= 1);
    assert.equal(report.audio.windows.length, Math.ceil((report.durationSec * 16000 - 15600) / 7680) + 1);
    assert.equal(report.video, undefined);
  });

  test('video: one entry per second with ImageNet labels and people in mdn_friday.mp4', async () => {
    const report = await inspectMedia(join(mediaDir, 'video/mdn_friday.mp4'), { topPerWindow: 2 });
    assert.ok(report.hasVideo && report.hasAudio);
    const seconds = report.video!.seconds;
    assert.ok(Math.abs(seconds.length - Math.round(report.durationSec)) <= 1, `${seconds.length} frames`);
    assert.deepEqual(
      seconds.map((s) => s.timeSec),
      seconds.map((_, i) => i),
    );
    assert.ok(seconds.every((s) => s.imagenet.length === 2));
    assert.ok(report.clip.personFraction! >= 0.8);
    assert.ok(report.clip.yamnet.length > 0);
  });
});
