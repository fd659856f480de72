// `v2meow features`: the JSON summary of the motion stream and both curve sets of a 4 s demo clip, the curves
// plot, and one-line errors (usage: exit 2; a missing file: exit 1, named).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../helpers.js';
import { writeDemoClip } from './demoClip.js';

const bin = join(repoRoot, 'bin', 'v2meow.js');
const folder = mkdtempSync(join(tmpdir(), 'v2meow-features-cli-'));
const clip = join(folder, 'demo_clip.mp4');
before(() => writeDemoClip(clip, 4));
after(() => rmSync(folder, { recursive: true, force: true }));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('v2meow features CLIP --streams motion --json --plot: stream and curve summaries, a PNG', () => {
  const plot = join(folder, 'curves.png');
  const result = run(['features', clip, '--streams', 'motion', '--json', '--plot', plot]);
  assert.equal(result.status, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(summary.streams), ['motion']);
  assert.equal(summary.streams.motion.rateHz, 8);
  assert.equal(summary.streams.motion.numFrames, 32);
  assert.equal(summary.streams.motion.dim, 16);
  assert.equal(summary.curves.music.numFrames, 100);
  assert.equal(summary.curves.video.numFrames, 100);
  assert.ok(
    Math.abs(summary.curves.music.tempoBpm / 120 - 1) < 0.02,
    `music ${summary.curves.music.tempoBpm}`,
  );
  assert.ok(existsSync(plot));
  assert.deepEqual([...readFileSync(plot).subarray(1, 4)], [...Buffer.from('PNG')]);
});

test('v2meow features: usage errors exit 2, a missing file exits 1 naming it', () => {
  const unknown = run(['features', clip, '--streams', 'motion,colour']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown stream 'colour'/);
  const plot = run(['features', clip, '--plot', join(folder, 'nowhere', 'c.png')]);
  assert.equal(plot.status, 2);
  assert.match(plot.stderr, /does not exist/);
  const missing = run(['features', join(folder, 'missing.mp4'), '--streams', 'motion']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /missing\.mp4/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
});
